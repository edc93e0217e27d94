package io.inrank.model.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.Backends;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.DropoutKey;
import io.inrank.model.backend.Philox;
import io.inrank.model.backend.Tensor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernels' scalar device math (device_math.cuh), compiled by nvcc into a host probe, against the Java side: Philox
 * and the dropout masks bit for bit, GELU and AdamW against the reference backend, bf16 rounding against its
 * definition. Skipped where the machine has no nvcc.
 */
class DeviceMathTest {
    @TempDir
    static Path tmp;

    static Process probe;
    static PrintWriter in;
    static BufferedReader out;

    @BeforeAll
    static void buildProbe() throws Exception {
        Path nvcc = Nvcc.find();
        assumeTrue(nvcc != null, "no nvcc on this machine: device math checks skipped");
        for (String header : List.of(KernelSources.MATH, "attention_rows.cuh"))
            Files.writeString(tmp.resolve(header), KernelSources.resource(header));
        Path exe = tmp.resolve("device_math_probe");
        Nvcc.Result r = Nvcc.run(
                nvcc,
                List.of(
                        "-std=c++17",
                        "-Werror",
                        "all-warnings",
                        "-I",
                        tmp.toString(),
                        "-o",
                        exe.toString(),
                        Path.of("src/test/cuda/device_math_probe.cu")
                                .toAbsolutePath()
                                .toString()));
        assertEquals(0, r.exit(), r.output());
        probe = new ProcessBuilder(exe.toString()).redirectErrorStream(true).start();
        in = new PrintWriter(probe.getOutputStream(), true, StandardCharsets.US_ASCII);
        out = new BufferedReader(new InputStreamReader(probe.getInputStream(), StandardCharsets.US_ASCII));
    }

    @AfterAll
    static void stop() {
        if (probe != null) probe.destroy();
    }

    static String[] ask(String request) throws Exception {
        in.println(request);
        String line = out.readLine();
        assertTrue(line != null, "probe ended on: " + request);
        return line.trim().split(" ");
    }

    static String hex(float x) {
        return Integer.toHexString(Float.floatToRawIntBits(x));
    }

    static float fromHex(String s) {
        return Float.intBitsToFloat(Integer.parseUnsignedInt(s, 16));
    }

    /** The structs passed by value to kernels: KernelArgs writes them at the offsets the compiler lays them out at. */
    @Test
    void kernelArgumentStructsHaveTheCompilersLayout() throws Exception {
        String[] w = ask("layout");
        int[] attn = KernelArgs.ATTN_SHAPE, adam = KernelArgs.ADAM_PARAMS;
        assertEquals(attn.length + adam.length, w.length, "fields reported");
        for (int i = 0; i < attn.length; i++) assertEquals(attn[i], Integer.parseInt(w[i]), "AttnShape field " + i);
        for (int i = 0; i < adam.length; i++)
            assertEquals(adam[i], Integer.parseInt(w[attn.length + i]), "AdamParams field " + i);
        assertTrue(attn[attn.length - 1] <= KernelArgs.SLOT, "AttnShape fits one argument slot");
    }

    @Test
    void philoxMatchesJavaBitForBit() throws Exception {
        SplittableRandom r = new SplittableRandom(7);
        int[] java = new int[4];
        for (int t = 0; t < 2000; t++) {
            int[] c = {r.nextInt(), r.nextInt(), r.nextInt(), r.nextInt()};
            int k0 = r.nextInt(), k1 = r.nextInt();
            if (t == 0) c = new int[] {0, 0, 0, 0}; // Random123's first known-answer counter
            if (t == 0) k0 = k1 = 0;
            Philox.block(c[0], c[1], c[2], c[3], k0, k1, java);
            String[] w = ask(String.format(
                    "philox %d %d %d %d %d %d",
                    c[0] & 0xFFFFFFFFL,
                    c[1] & 0xFFFFFFFFL,
                    c[2] & 0xFFFFFFFFL,
                    c[3] & 0xFFFFFFFFL,
                    k0 & 0xFFFFFFFFL,
                    k1 & 0xFFFFFFFFL));
            for (int j = 0; j < 4; j++) assertEquals(java[j] & 0xFFFFFFFFL, Long.parseLong(w[j]), "word " + j);
        }
    }

    @Test
    void dropoutMasksMatchDropoutKey() throws Exception {
        SplittableRandom r = new SplittableRandom(8);
        for (int t = 0; t < 1000; t++) {
            long seed = r.nextLong(), step = r.nextLong(1L << 40), block = r.nextLong(1L << 32);
            int tensor = r.nextInt(100);
            double p = t % 3 == 0 ? 0.1 : r.nextDouble(0.95);
            DropoutKey key = new DropoutKey(seed, step, tensor);
            long threshold = DropoutKey.threshold(p);
            String[] kept = ask(String.format(
                    "dropout %s %d %s %s %d",
                    Long.toUnsignedString(block),
                    tensor,
                    Long.toUnsignedString(step),
                    Long.toUnsignedString(seed),
                    threshold));
            for (int j = 0; j < 4; j++) {
                assertEquals(key.kept(4 * block + j, threshold), kept[j].equals("1"), "element " + (4 * block + j));
            }
        }
    }

    /** float device GELU against the float64 reference backend; the bound sits just above the measured error. */
    @Test
    void geluAndItsDerivativesMatchTheReference() throws Exception {
        Backend ref = Backends.open("reference");
        int n = 4001;
        double[] xs = new double[n];
        for (int i = 0; i < n; i++) xs[i] = (float) (-10 + 20.0 * i / (n - 1));
        double worst = 0;
        for (boolean tanh : new boolean[] {false, true}) {
            Tensor x = ref.zeros(DType.F64, n),
                    y = ref.zeros(DType.F64, n),
                    ones = ref.zeros(DType.F64, n),
                    dx = ref.zeros(DType.F64, n);
            ref.fromHost(x, xs);
            ref.fill(ones, 1);
            ref.geluForward(x, y, tanh);
            ref.geluBackward(ones, x, dx, tanh);
            double[] yv = ref.toHost(y), dv = ref.toHost(dx);
            for (int i = 0; i < n; i++) {
                String[] g = ask("gelu " + hex((float) xs[i]));
                double fy = fromHex(g[tanh ? 2 : 0]), fd = fromHex(g[tanh ? 3 : 1]);
                double ey = Math.abs(fy - yv[i]) / Math.max(1, Math.abs(yv[i]));
                double ed = Math.abs(fd - dv[i]) / Math.max(1, Math.abs(dv[i]));
                worst = Math.max(worst, Math.max(ey, ed));
                assertTrue(
                        ey < 1e-6 && ed < 1e-6, (tanh ? "tanh" : "erf") + " at x = " + xs[i] + ": " + ey + ", " + ed);
            }
        }
        System.out.printf("device GELU vs float64 reference: worst relative error %.2e%n", worst);
    }

    @Test
    void bf16RoundsToNearestEvenAndKeepsSpecials() throws Exception {
        SplittableRandom r = new SplittableRandom(9);
        for (int t = 0; t < 5000; t++) {
            int bits =
                    t < 6 ? new int[] {0x7F800000, 0xFF800000, 0x7FC00001, 0, 0x80000000, 0x3F808000}[t] : r.nextInt();
            float x = Float.intBitsToFloat(bits);
            String[] a = ask("bf16 " + Integer.toHexString(bits));
            int h = Integer.parseInt(a[0], 16);
            float back = fromHex(a[1]);
            assertEquals(Float.floatToRawIntBits(back), h << 16, "decode is the high half");
            if (Float.isNaN(x)) {
                assertTrue(Float.isNaN(back), "NaN stays NaN");
                continue;
            }
            if (Float.isInfinite(x) || (bits & 0xFFFF) == 0) {
                assertEquals(x, back, 0.0, "exactly representable: unchanged");
                continue;
            }
            if (Float.isInfinite(back)) continue; // rounded past the largest bf16: overflow to infinity is right
            float lower = Float.intBitsToFloat(((h - 1) & 0xFFFF) << 16),
                    upper = Float.intBitsToFloat(((h + 1) & 0xFFFF) << 16);
            double d = Math.abs((double) back - x);
            assertTrue(d <= Math.abs((double) lower - x) && d <= Math.abs((double) upper - x), "nearest for " + x);
            if ((bits & 0xFFFF) == 0x8000) assertEquals(0, h & 1, "a tie goes to even for " + x);
        }
    }

    /** One AdamW element: device float arithmetic against the reference backend's (float64 math, float storage). */
    @Test
    void adamwElementMatchesTheReference() throws Exception {
        Backend ref = Backends.open("reference");
        SplittableRandom r = new SplittableRandom(10);
        double worst = 0;
        for (int t = 0; t < 500; t++) {
            float p = (float) r.nextGaussian(),
                    m = (float) (0.01 * r.nextGaussian()),
                    v = (float) Math.abs(1e-4 * r.nextGaussian()),
                    g = (float) r.nextGaussian();
            double lr = 6e-4, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, wd = 0.1;
            long step = 1 + r.nextInt(1000);
            boolean decay = t % 2 == 0;
            Tensor tp = ref.zeros(DType.F32, 1),
                    tg = ref.zeros(DType.F32, 1),
                    tm = ref.zeros(DType.F32, 1),
                    tv = ref.zeros(DType.F32, 1);
            ref.fromHostF32(tp, new float[] {p});
            ref.fromHostF32(tg, new float[] {g});
            ref.fromHostF32(tm, new float[] {m});
            ref.fromHostF32(tv, new float[] {v});
            ref.adamw(
                    tp,
                    tg,
                    tm,
                    tv,
                    List.of(new Backend.Segment(0, 1, decay)),
                    io.inrank.model.backend.AdamWStep.of(lr, beta1, beta2, eps, wd, step));
            String[] o = ask(String.join(
                    " ",
                    "adamw",
                    hex(p),
                    hex(m),
                    hex(v),
                    hex(g),
                    hex((float) (decay ? 1 - lr * wd : 1.0)),
                    hex((float) lr),
                    hex((float) beta1),
                    hex((float) beta2),
                    hex((float) (1 - beta1)),
                    hex((float) (1 - beta2)),
                    hex((float) (1 - Math.pow(beta1, step))),
                    hex((float) (1 - Math.pow(beta2, step))),
                    hex((float) eps),
                    hex(1f)));
            float[] want = {ref.toHostF32(tp)[0], ref.toHostF32(tm)[0], ref.toHostF32(tv)[0]};
            for (int j = 0; j < 3; j++) {
                float got = fromHex(o[j]);
                double e = Math.abs(got - want[j]) / Math.max(1e-30, Math.abs(want[j]));
                worst = Math.max(worst, e);
                assertTrue(e < 2e-6, "element " + t + " output " + j + ": " + got + " vs " + want[j]);
            }
        }
        System.out.printf("device AdamW element vs reference: worst relative error %.2e%n", worst);
    }

    /**
     * The attention row functions (forward, dQ, dK/dV, with and without dropout) against the float64 reference
     * backend on the same float inputs; the bound sits just above the measured error.
     */
    @Test
    void attentionRowsMatchTheReference() throws Exception {
        Backend ref = Backends.open("reference");
        int batch = 2, seq = 12, heads = 2, c = 16;
        double scale = 1 / Math.sqrt(c / heads);
        SplittableRandom r = new SplittableRandom(11);
        double[] qkv = new double[batch * seq * 3 * c], dy = new double[batch * seq * c];
        for (int i = 0; i < qkv.length; i++) qkv[i] = (float) r.nextGaussian();
        for (int i = 0; i < dy.length; i++) dy[i] = (float) r.nextGaussian();
        double worst = 0;
        for (double p : new double[] {0, 0.1}) {
            DropoutKey key = new DropoutKey(1113, 7, 4);
            Tensor tq = ref.zeros(DType.F64, batch * seq, 3 * c),
                    ty = ref.zeros(DType.F64, batch * seq, c),
                    tl = ref.zeros(DType.F64, batch, heads, seq),
                    tdy = ref.zeros(DType.F64, batch * seq, c),
                    tdq = ref.zeros(DType.F64, batch * seq, 3 * c);
            ref.fromHost(tq, qkv);
            ref.fromHost(tdy, dy);
            ref.attentionForward(tq, ty, tl, batch, heads, scale, p, p > 0 ? key : null);
            ref.attentionBackward(tdy, tq, ty, tl, tdq, batch, heads, scale, p, p > 0 ? key : null);
            StringBuilder req = new StringBuilder(String.format(
                    "attention %d %d %d %d %s %d %d %d %d %s",
                    batch,
                    seq,
                    heads,
                    c,
                    hex((float) scale),
                    key.seed(),
                    key.step(),
                    key.tensor(),
                    DropoutKey.threshold(p),
                    hex((float) (1 / (1 - p)))));
            for (double x : qkv) req.append(' ').append(hex((float) x));
            for (double x : dy) req.append(' ').append(hex((float) x));
            in.println(req);
            double[][] want = {ref.toHost(ty), ref.toHost(tl), ref.toHost(tdq)};
            String[] names = {"y", "lse", "dqkv"};
            for (int part = 0; part < 3; part++) {
                String[] got = out.readLine().trim().split(" ");
                assertEquals(want[part].length, got.length, names[part]);
                for (int i = 0; i < got.length; i++) {
                    double e = Math.abs(fromHex(got[i]) - want[part][i]) / Math.max(1, Math.abs(want[part][i]));
                    worst = Math.max(worst, e);
                    assertTrue(
                            e < 1e-6,
                            "p = " + p + ", " + names[part] + "[" + i + "]: " + fromHex(got[i]) + " vs "
                                    + want[part][i]);
                }
            }
        }
        System.out.printf("device attention rows vs float64 reference: worst relative error %.2e%n", worst);
    }
}
