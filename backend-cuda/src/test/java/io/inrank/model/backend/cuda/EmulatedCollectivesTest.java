package io.inrank.model.backend.cuda;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.model.backend.CudaEmulation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.ShortPointer;
import org.junit.jupiter.api.Test;

/**
 * NCCL on the emulated device (cuda-emulator's libnccl.so.2) through {@link Collectives}: two replicas as two threads
 * and as two processes; averages exact in float32 and rounded once in bf16, larger than one shared-memory chunk;
 * broadcast; and a replica that exits makes the other's next collective fail at once, naming it.
 */
class EmulatedCollectivesTest {
    /** 1.5 M floats: 6 MB, more than one 4 MiB chunk of the emulated transport. */
    static final int N = 1_500_000;

    /** Replica r's test gradient: exact in float32 and bf16, and the average of two is exact too. */
    static float[] values(int n, int r) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (i % 1000) * 0.25f + r * 4f - 2f;
        return x;
    }

    static long upload(float[] x) {
        long buf = EmulatedKernels.malloc(4L * x.length);
        CudaCheck.rt(
                cudart.cudaMemcpy(
                        new RawPointer(buf), new FloatPointer(x), 4L * x.length, cudart.cudaMemcpyHostToDevice),
                "up");
        return buf;
    }

    static float[] download(long buf, int n) {
        float[] out = new float[n];
        FloatPointer host = new FloatPointer(n);
        CudaCheck.rt(cudart.cudaMemcpy(host, new RawPointer(buf), 4L * n, cudart.cudaMemcpyDeviceToHost), "down");
        host.get(out);
        return out;
    }

    @Test
    void twoThreadReplicasAverageBroadcastAndMeet() throws Exception {
        EmulatedKernels.device();
        byte[] id = Collectives.newId();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<float[][]>> results = List.of(0, 1).stream()
                    .map(r -> pool.submit(() -> {
                        long buf = upload(values(N, r));
                        try (Collectives c = Collectives.join(id, 2, r, null)) {
                            assertEquals(r, c.rank());
                            c.allReduceAverage(buf, N, Collectives.Type.FLOAT32);
                            float[] avg = download(buf, N);
                            // bf16: 3 values per replica, the average rounded once (1 + 2^-7 and 1 average to 1 + 2^-8:
                            // a tie,
                            // rounded to even, 1.0)
                            long b = EmulatedKernels.malloc(6);
                            short[] bits = r == 0
                                    ? new short[] {0x3F80, 0x4000, (short) 0xC040}
                                    : new short[] {0x3F81, 0x4040, (short) 0xC040};
                            CudaCheck.rt(
                                    cudart.cudaMemcpy(
                                            new RawPointer(b),
                                            new ShortPointer(bits),
                                            6,
                                            cudart.cudaMemcpyHostToDevice),
                                    "up");
                            c.allReduceAverage(b, 3, Collectives.Type.BFLOAT16);
                            ShortPointer got = new ShortPointer(3);
                            CudaCheck.rt(
                                    cudart.cudaMemcpy(got, new RawPointer(b), 6, cudart.cudaMemcpyDeviceToHost),
                                    "down");
                            float[] bf = {got.get(0), got.get(1), got.get(2)};
                            c.broadcast(buf, N, Collectives.Type.FLOAT32, 1);
                            c.barrier();
                            float[] fromOne = download(buf, N);
                            return new float[][] {avg, bf, fromOne};
                        }
                    }))
                    .toList();
            float[][] a = results.get(0).get(60, TimeUnit.SECONDS),
                    b = results.get(1).get(60, TimeUnit.SECONDS);
            float[] x0 = values(N, 0), x1 = values(N, 1);
            for (int i = 0; i < N; i++) assertEquals((x0[i] + x1[i]) / 2, a[0][i], 0f, "average at " + i);
            assertArrayEquals(a[0], b[0], "every replica holds the same bits");
            // 0x3F80 (1.0) with 0x3F81 (1 + 2^-7): a tie, to even 0x3F80; 2 with 3: 2.5 = 0x4020; -3 with -3: -3
            assertArrayEquals(new float[] {0x3F80, 0x4020, (short) 0xC040}, a[1]);
            assertArrayEquals(a[1], b[1]);
            assertArrayEquals(a[0], a[2], "rank 1 broadcast its buffer, which held the average");
            assertArrayEquals(b[2], a[2]);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void twoProcessReplicasAndOneThatDies() throws Exception {
        EmulatedKernels.device();
        int n = 1000;
        for (String mode : new String[] {"stay", "leave"}) {
            byte[] id = Collectives.newId();
            Process peer = peer(Collectives.hex(id), n, mode);
            long buf = upload(values(n, 0));
            try (Collectives c = Collectives.join(id, 2, 0, null)) {
                c.allReduceAverage(buf, n, Collectives.Type.FLOAT32);
                float[] avg = download(buf, n);
                float[] x0 = values(n, 0), x1 = values(n, 1);
                assertEquals((x0[0] + x1[0]) / 2, avg[0], 0f);
                assertEquals((x0[n - 1] + x1[n - 1]) / 2, avg[n - 1], 0f);
                if (mode.equals("stay")) {
                    c.allReduceAverage(buf, n, Collectives.Type.FLOAT32);
                    String out = output(peer);
                    assertEquals(0, peer.exitValue(), out);
                    assertTrue(out.contains("peer result " + avg[0] + " " + avg[n - 1]), out);
                } else {
                    String out = output(peer);
                    long start = System.nanoTime();
                    CudaCheck.CudaException e = assertThrows(
                            CudaCheck.CudaException.class, () -> c.allReduceAverage(buf, n, Collectives.Type.FLOAT32));
                    double seconds = (System.nanoTime() - start) / 1e9;
                    // the all-reduce finds the peer gone, or the watchdog did first (aborted: the call is refused)
                    assertTrue(e.getMessage().contains("remote process exited"), e.getMessage());
                    assertTrue(
                            e.getMessage().contains("rank 1 (pid " + peer.pid() + ") has exited"),
                            e.getMessage() + "\n" + out);
                    assertTrue(seconds < 5, "noticed in " + seconds + " s");
                    // and the communicator stays failed
                    CudaCheck.CudaException again = assertThrows(CudaCheck.CudaException.class, c::barrier);
                    assertTrue(
                            again.getMessage().contains("rank 1 (pid " + peer.pid() + ") has exited"),
                            again.getMessage());
                }
            }
        }
    }

    /**
     * A replica that exits while the other is between collectives: only the watchdog can notice (NCCL's asynchronous
     * error), and it aborts the communicator so that nothing waits for the dead replica; the next use throws, naming it.
     */
    @Test
    void theWatchdogNoticesAReplicaThatDiesBetweenCollectives() throws Exception {
        EmulatedKernels.device();
        int n = 1000;
        byte[] id = Collectives.newId();
        Process peer = peer(Collectives.hex(id), n, "leave");
        long buf = upload(values(n, 0));
        try (Collectives c = Collectives.join(id, 2, 0, null)) {
            c.allReduceAverage(buf, n, Collectives.Type.FLOAT32);
            String out = output(peer); // it has exited
            long start = System.nanoTime();
            CudaCheck.CudaException seen = null;
            while (seen == null && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10)) {
                try {
                    c.check();
                    Thread.sleep(50);
                } catch (CudaCheck.CudaException e) {
                    seen = e;
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertNotNull(seen, "the watchdog did not notice within 10 s\n" + out);
            assertTrue(seen.getMessage().contains("rank 1 (pid " + peer.pid() + ") has exited"), seen.getMessage());
            assertTrue(seconds < 3, "noticed in " + seconds + " s");
            CudaCheck.CudaException next = assertThrows(
                    CudaCheck.CudaException.class, () -> c.allReduceAverage(buf, n, Collectives.Type.FLOAT32));
            assertTrue(next.getMessage().contains("was aborted"), next.getMessage());
            System.out.printf("watchdog: a replica that died between collectives noticed in %.2f s%n", seconds);
        }
    }

    /** Replica r's gradients for the backend-level test: three values whose averages need bf16 rounding or not. */
    static double[] gradients(int r) {
        // 1 and 1 + 2^-7 average to 1 + 2^-8: exact in float32, a bf16 tie rounded to even (1); 2 and 3 give 2.5
        // (exact in both); 1/3 is not a bf16 value at all (rounded before the wire)
        return r == 0 ? new double[] {1, 2, 1.0 / 3} : new double[] {1 + 1.0 / 128, 3, 1.0 / 3};
    }

    /**
     * Through the backend: fp32 gradients averaged exactly; bf16 ones packed, averaged in bf16 and unpacked; and both in
     * buckets of ranges started on the reduction stream while the compute stream goes on writing the rest, a range left
     * out keeping each replica's own values, timed by events.
     */
    @Test
    void theBackendReducesGradientsAtItsPrecision() throws Exception {
        float third = (float) (1.0 / 3), thirdBf16 = Float.intBitsToFloat(0x3EAB0000); // bf16(1/3), to nearest even
        // each precision with the compute stream held back, then the reduction stream (a missing wait either way shows)
        for (String run : new String[] {"fp32 first", "fp32 others", "bf16 first", "bf16 others"}) {
            String precision = run.split(" ")[0], deferred = run.split(" ")[1];
            byte[] id = Collectives.newId();
            Process[] ps = new Process[2];
            for (int r = 0; r < 2; r++) {
                ps[r] = deferredJava(ReplicaPeer.class, deferred, Collectives.hex(id), "" + r, precision);
            }
            float[][] got = new float[2][], buckets = new float[2][];
            for (int r = 0; r < 2; r++) {
                String out = output(ps[r]);
                assertEquals(0, ps[r].exitValue(), out);
                int result = out.indexOf("result\n"), bucketed = out.indexOf("bucketed\n");
                got[r] = floats(out.substring(result + 7, bucketed));
                buckets[r] = floats(out.substring(bucketed + 9));
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("seconds (\\S+) exposed (\\S+)")
                        .matcher(out);
                assertTrue(m.find(), out);
                double seconds = Double.parseDouble(m.group(1)), exposed = Double.parseDouble(m.group(2));
                // (exposed may exceed the span: a held-back reduction stream starts its first bucket after the
                // backward)
                assertTrue(seconds > 0 && exposed > 0, out);
                float[] own = new float[ReplicaPeer.BUCKETED];
                for (int i = 0; i < own.length; i++) own[i] = (float) bucketed(r)[i];
                for (int i = 0; i < own.length; i++) {
                    boolean reduced = i < 800 || i >= 900;
                    assertEquals(reduced ? i % 64 + 32 : own[i], buckets[r][i], run + ": bucketed [" + i + "]");
                }
            }
            float[] want = precision.equals("fp32")
                    ? new float[] {1 + 1f / 256, 2.5f, third}
                    : new float[] {1f, 2.5f, thirdBf16};
            assertArrayEquals(want, got[0], precision);
            assertArrayEquals(got[0], got[1], precision + ": both replicas hold the same bits");
        }
    }

    /** Rank r's values for the bucketed reduction: small integers, exact in bf16, averaging to i % 64 + 32. */
    static double[] bucketed(int r) {
        double[] v = new double[ReplicaPeer.BUCKETED];
        for (int i = 0; i < v.length; i++) v[i] = i % 64 + 64 * r;
        return v;
    }

    static float[] floats(String lines) {
        String[] l = lines.strip().split("\n");
        float[] out = new float[l.length];
        for (int i = 0; i < l.length; i++) out[i] = Float.intBitsToFloat(Integer.parseUnsignedInt(l[i].strip(), 16));
        return out;
    }

    static Process peer(String id, int n, String mode) throws Exception {
        return java(CollectivesPeer.class, id, "" + n, mode);
    }

    /** A main of these tests in its own JVM on the emulated device (the link path and environment of this one). */
    static Process java(Class<?> main, String... args) throws Exception {
        return deferredJava(main, "", args);
    }

    /** With {@code deferred}: which created streams run only when waited for (cuda-emulator README), "" for none. */
    static Process deferredJava(Class<?> main, String deferred, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-D" + CudaEmulation.LINK_PATH + "=" + System.getProperty(CudaEmulation.LINK_PATH),
                "-cp",
                System.getProperty("java.class.path"),
                main.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("INRANK_CUDA_EMULATION_DEFERRED", deferred);
        return pb.start();
    }

    static String output(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        return out;
    }
}
