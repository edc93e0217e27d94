package io.inrank.model.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.Backends;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.DropoutKey;
import io.inrank.model.backend.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The GPU's GEMM attention without a GPU: {@link GemmAttention}'s exact sequence of strided-batched GEMMs, mapped to
 * column-major calls by {@link ColumnMajorGemm} and executed with cuBLAS's documented column-major semantics on host
 * memory, and a host twin of the two row kernels (attention.cu), against the reference backend's attention, forward
 * and backward, with and without dropout. What only a GPU adds (the kernels' own compilation into a launch, cuBLAS
 * itself) is the GPU check's job; the index math (row strides 3C, head strides D, transposes, the dS formula with
 * dropout) is settled here.
 */
class GemmAttentionTest {

    /** Host memory addressed in bytes (float i at address 4i), as the device arena is. */
    static final class HostMemory {
        final float[] f;
        long next;

        HostMemory(int floats) {
            f = new float[floats];
        }

        long alloc(long floats) {
            long at = next;
            next += 4 * floats;
            return at;
        }

        int i(long address) {
            return (int) (address / 4);
        }
    }

    /** cuBLAS's column-major strided-batched GEMM, as documented, on host memory. */
    static final class HostGemm implements BatchedGemm {
        final HostMemory mem;

        HostGemm(HostMemory mem) {
            this.mem = mem;
        }

        @Override
        public void run(StridedGemm g, long a, long b, long c, float alpha, float beta) {
            run(g.at(a, b, c), alpha, beta);
        }

        void run(ColumnMajorGemm g, float alpha, float beta) {
            float[] x = mem.f;
            for (int e = 0; e < g.batch(); e++) {
                int a0 = mem.i(g.first()) + (int) (e * g.strideFirst()),
                        b0 = mem.i(g.second()) + (int) (e * g.strideSecond());
                int c0 = mem.i(g.c()) + (int) (e * g.strideC());
                for (int j = 0; j < g.n(); j++)
                    for (int r = 0; r < g.m(); r++) {
                        float s = 0;
                        for (int l = 0; l < g.k(); l++) {
                            float av = g.transFirst() ? x[a0 + l + r * g.ldFirst()] : x[a0 + r + l * g.ldFirst()];
                            float bv = g.transSecond() ? x[b0 + j + l * g.ldSecond()] : x[b0 + l + j * g.ldSecond()];
                            s += av * bv;
                        }
                        int at = c0 + r + j * g.ldc();
                        x[at] = alpha * s + (beta == 0 ? 0 : beta * x[at]); // β = 0: C is not read (cuBLAS)
                    }
            }
        }
    }

    /** The two row kernels of attention.cu, line for line, on host memory. */
    static final class HostRows implements GemmAttention.Rows {
        final HostMemory mem;
        final long[] ws = new long[2];

        HostRows(HostMemory mem) {
            this.mem = mem;
        }

        static float mask(GemmAttention.Shape s, int b, int h, int i, int j) {
            if (s.threshold() == 0) return 1f;
            long e = (((long) b * s.heads() + h) * s.seq() + i) * s.seq() + j;
            return new DropoutKey(s.seed(), s.step(), s.tensor(), 4 * Integer.toUnsignedLong(s.block0()))
                            .kept(e, s.threshold())
                    ? s.keep()
                    : 0f;
        }

        @Override
        public void softmax(long scores, long lse, GemmAttention.Shape s, int b) {
            float[] x = mem.f;
            int t = s.seq();
            for (int row = 0; row < s.heads() * t; row++) {
                int h = row / t, i = row % t, r0 = mem.i(scores) + row * t;
                float mx = -Float.MAX_VALUE, sum = 0;
                for (int j = 0; j <= i; j++) mx = Math.max(mx, x[r0 + j] * s.scale());
                for (int j = 0; j <= i; j++) sum += (float) Math.exp(x[r0 + j] * s.scale() - mx);
                float l = mx + (float) Math.log(sum);
                for (int j = 0; j < t; j++)
                    x[r0 + j] = j <= i ? (float) Math.exp(x[r0 + j] * s.scale() - l) * mask(s, b, h, i, j) : 0f;
                x[mem.i(lse) + (b * s.heads() + h) * t + i] = l;
            }
        }

        @Override
        public void softmaxBackward(long p, long dp, long lse, GemmAttention.Shape s, int b) {
            float[] x = mem.f;
            int t = s.seq();
            for (int row = 0; row < s.heads() * t; row++) {
                int h = row / t, i = row % t, p0 = mem.i(p) + row * t, d0 = mem.i(dp) + row * t;
                float l = x[mem.i(lse) + (b * s.heads() + h) * t + i], d = 0;
                for (int j = 0; j <= i; j++)
                    d += (float) Math.exp(x[p0 + j] * s.scale() - l) * mask(s, b, h, i, j) * x[d0 + j];
                for (int j = 0; j < t; j++) {
                    float pd = 0, ds = 0;
                    if (j <= i) {
                        float pj = (float) Math.exp(x[p0 + j] * s.scale() - l), m = mask(s, b, h, i, j);
                        pd = pj * m;
                        ds = pj * (m * x[d0 + j] - d);
                    }
                    x[p0 + j] = pd;
                    x[d0 + j] = ds;
                }
            }
        }

        @Override
        public long workspace(int which, long n) {
            if (ws[which] == 0) ws[which] = mem.alloc(n);
            return ws[which];
        }
    }

    static double relErr(float[] got, int from, double[] want) {
        double d = 0, m = 0;
        for (int i = 0; i < want.length; i++) {
            d = Math.max(d, Math.abs(got[from + i] - want[i]));
            m = Math.max(m, Math.abs(want[i]));
        }
        return d / m;
    }

    static void check(int batch, int seq, int heads, int c, double p) {
        Random r = new Random(batch * 1000 + seq * 10 + heads);
        int n = batch * seq;
        double[] qkv = new double[n * 3 * c], dy = new double[n * c];
        for (int i = 0; i < qkv.length; i++) qkv[i] = (float) r.nextGaussian();
        for (int i = 0; i < dy.length; i++) dy[i] = (float) r.nextGaussian();
        double scale = 1 / Math.sqrt(c / (double) heads) / 2;
        DropoutKey key = new DropoutKey(77, 5, 4);

        Backend ref = Backends.open("reference");
        Tensor tq = ref.zeros(DType.F64, n, 3 * c),
                ty = ref.zeros(DType.F64, n, c),
                tl = ref.zeros(DType.F64, batch, heads, seq);
        Tensor tdy = ref.zeros(DType.F64, n, c), tdq = ref.zeros(DType.F64, n, 3 * c);
        ref.fromHost(tq, qkv);
        ref.fromHost(tdy, dy);
        ref.attentionForward(tq, ty, tl, batch, heads, scale, p, key);
        ref.attentionBackward(tdy, tq, ty, tl, tdq, batch, heads, scale, p, key);

        HostMemory mem = new HostMemory(4 * (n * 3 * c * 2 + n * c * 2 + batch * heads * seq + 2 * heads * seq * seq));
        long aq = mem.alloc(n * 3 * c), ay = mem.alloc(n * c), al = mem.alloc(batch * heads * seq);
        long ady = mem.alloc(n * c), adq = mem.alloc(n * 3 * c);
        for (int i = 0; i < qkv.length; i++) mem.f[mem.i(aq) + i] = (float) qkv[i];
        for (int i = 0; i < dy.length; i++) mem.f[mem.i(ady) + i] = (float) dy[i];
        java.util.Arrays.fill(mem.f, mem.i(adq), mem.i(adq) + n * 3 * c, Float.NaN); // dqkv must be overwritten
        GemmAttention att = new GemmAttention(new HostGemm(mem), new HostRows(mem));
        GemmAttention.Shape s = new GemmAttention.Shape(
                batch,
                seq,
                heads,
                c,
                (float) scale,
                key.seed(),
                key.step(),
                key.tensor(),
                key.firstBlock(),
                p > 0 ? DropoutKey.threshold(p) : 0,
                (float) (1 / (1 - p)));
        att.forward(aq, ay, al, s);
        att.backward(ady, aq, al, adq, s);

        String what = String.format("B %d T %d H %d C %d p %.1f", batch, seq, heads, c, p);
        double ey = relErr(mem.f, mem.i(ay), ref.toHost(ty)),
                el = relErr(mem.f, mem.i(al), ref.toHost(tl)),
                ed = relErr(mem.f, mem.i(adq), ref.toHost(tdq));
        System.out.printf("GEMM attention vs reference, %s: y %.1e, lse %.1e, dqkv %.1e%n", what, ey, el, ed);
        // float32 sums of at most T terms against float64 (measured 2026-12-03: ≤ 1.7e-7)
        assertTrue(ey < 5e-7 && el < 5e-7 && ed < 5e-7, what + ": y " + ey + ", lse " + el + ", dqkv " + ed);
    }

    @Test
    void matchesTheReferenceForwardAndBackward() {
        check(2, 12, 2, 16, 0);
        check(2, 12, 2, 16, 0.1);
        check(3, 13, 3, 15, 0.2); // head width 5, a sequence that is no power of two
        check(1, 1, 1, 4, 0);
    }

    /** The contiguous mapping every other GEMM of the backend uses (linears, InRank factors, bias sums, resize). */
    @Test
    void contiguousRowMajorProductsInEveryTransposition() {
        Random r = new Random(9);
        int m = 5, n = 7, k = 3;
        for (int mode = 0; mode < 4; mode++) {
            boolean ta = (mode & 1) != 0, tb = (mode & 2) != 0;
            HostMemory mem = new HostMemory(m * k + k * n + m * n);
            long a = mem.alloc(m * k), b = mem.alloc(k * n), c = mem.alloc(m * n);
            for (int i = 0; i < m * k + k * n; i++) mem.f[i] = (float) r.nextGaussian();
            new HostGemm(mem).run(StridedGemm.contiguous(m, n, k, ta, tb), a, b, c, 1f, 0f);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    float want = 0;
                    for (int l = 0; l < k; l++)
                        want += mem.f[mem.i(a) + (ta ? l * m + i : i * k + l)]
                                * mem.f[mem.i(b) + (tb ? j * k + l : l * n + j)];
                    assertTrue(
                            Math.abs(mem.f[mem.i(c) + i * n + j] - want) <= 1e-6f * (1 + Math.abs(want)),
                            "transA " + ta + " transB " + tb + " at " + i + "," + j);
                }
        }
    }

    @Test
    void rowStridesShorterThanRowsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new StridedGemm(4, 8, 4, false, false, 3, 0, 8, 0, 8, 0, 1));
    }
}
