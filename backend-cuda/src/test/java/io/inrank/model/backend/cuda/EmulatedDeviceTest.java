package io.inrank.model.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inrank.model.backend.Backends;
import io.inrank.model.backend.Precision;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;

/**
 * The emulated device itself, through the backend's own path: it is what `./inrank backends` says, launches are
 * checked as a GPU checks them, and a kernel that writes out of bounds fails loudly (a planted bug in a copy of a real
 * kernel, in its own JVM because the fault is sticky).
 */
class EmulatedDeviceTest {

    /** tensor_ops' scale_f32 with its bound check off by one. */
    static final String SCALE_PLANTED = """
            extern "C" __global__ void scale_f32_planted(float* __restrict__ t, long long n, float s) {
                for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i <= n;
                     i += (long long)gridDim.x * blockDim.x)
                    t[i] *= s;
            }
            """;

    /** A block reduction with a barrier and shuffles, bounded at 256 threads; and a kernel with no bounds. */
    static final String BLOCK_SUM = """
            __device__ float warp_sum(float x) {
                for (int o = 16; o > 0; o >>= 1) x += __shfl_xor_sync(0xFFFFFFFFu, x, o);
                return x;
            }
            extern "C" __global__ void __launch_bounds__(256) block_sum(const float* x, float* out) {
                __shared__ float partial[32];
                float v = warp_sum(x[blockIdx.x * blockDim.x + threadIdx.x]);
                if ((threadIdx.x & 31) == 0) partial[threadIdx.x >> 5] = v;
                __syncthreads();
                if (threadIdx.x < 32) {
                    float w = threadIdx.x < (blockDim.x >> 5) ? partial[threadIdx.x] : 0.0f;
                    w = warp_sum(w);
                    if (threadIdx.x == 0) out[blockIdx.x] = w;
                }
            }
            extern "C" __global__ void ones(float* out) {
                out[threadIdx.x] = 1.0f;
            }
            """;

    @Test
    void aSecondPrecisionInOneProcessIsRefusedNotASecondArena() {
        Backends.open("cuda"); // fp32, as the other emulated tests use it
        io.inrank.model.backend.BackendUnavailableException e = org.junit.jupiter.api.Assertions.assertThrows(
                io.inrank.model.backend.BackendUnavailableException.class,
                () -> Backends.open(new io.inrank.model.backend.BackendOptions("cuda", Precision.BF16)));
        assertEquals("cuda is already open here as cuda; a process uses one precision per backend", e.getMessage());
    }

    @Test
    void theBackendSaysItIsEmulated() {
        Backends.Status cuda = Backends.list().stream()
                .filter(s -> s.name().equals("cuda"))
                .findFirst()
                .orElseThrow();
        assertEquals("cuda (emulated on the CPU)", cuda.toString());
        CudaRuntime.Device d = EmulatedKernels.device();
        assertTrue(d.emulated(), d.toString());
        assertEquals("sm_90", d.arch());
        assertTrue(d.nvrtcVersion().startsWith("13.1-emulated-"), d.nvrtcVersion());
        assertEquals(null, EmulatedLibraries.foreignCudaLibrary(io.inrank.model.backend.CudaEmulation.libraryDir()));
    }

    @Test
    void barriersAndShufflesAreRealAndLaunchesAreCheckedLikeAGpu() {
        CUfunc_st sum = EmulatedKernels.function(BLOCK_SUM, "block_sum");
        int blocks = 3, threads = 256;
        float[] x = new float[blocks * threads];
        for (int i = 0; i < x.length; i++) x[i] = (i % 7) - 3 + i * 0.001f;
        long dx = EmulatedKernels.malloc(4L * x.length), dout = EmulatedKernels.malloc(4L * blocks);
        CudaCheck.rt(
                cudart.cudaMemcpy(
                        new RawPointer(dx), new FloatPointer(x), 4L * x.length, cudart.cudaMemcpyHostToDevice),
                "upload");
        assertEquals(0, EmulatedKernels.launch(sum, blocks, 1, threads, 0, dx, dout));
        FloatPointer out = new FloatPointer(blocks);
        CudaCheck.rt(cudart.cudaMemcpy(out, new RawPointer(dout), 4L * blocks, cudart.cudaMemcpyDeviceToHost), "down");
        for (int b = 0; b < blocks; b++) {
            double want = 0;
            for (int i = 0; i < threads; i++) want += x[b * threads + i];
            assertEquals(want, out.get(b), 1e-3, "block " + b);
        }
        // a GPU refuses these launches without running them; the context stays usable
        assertEquals(
                cudart.CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES,
                EmulatedKernels.launch(sum, 1, 1, 512, 0, dx, dout),
                "more threads than __launch_bounds__(256)");
        CUfunc_st ones = EmulatedKernels.function(BLOCK_SUM, "ones");
        assertEquals(
                cudart.CUDA_ERROR_INVALID_VALUE, EmulatedKernels.launch(ones, 1, 1, 1025, 0, dout), "1025 threads");
        assertEquals(cudart.CUDA_ERROR_INVALID_VALUE, EmulatedKernels.launch(ones, 1, 65536, 32, 0, dout), "grid y");
        assertEquals(
                cudart.CUDA_ERROR_INVALID_VALUE, EmulatedKernels.launch(ones, 1, 1, 32, 48 * 1024 + 1, dout), "smem");
        assertEquals(0, cudart.cudaMemset(new RawPointer(dout), 0, 4));
        assertEquals(0, cudart.cudaFree(new RawPointer(dx)));
        assertEquals(0, cudart.cudaFree(new RawPointer(dout)));
        // a freed buffer is no longer device memory
        assertEquals(
                cudart.cudaErrorInvalidValue,
                cudart.cudaMemcpy(new RawPointer(dx), new FloatPointer(x), 4, cudart.cudaMemcpyHostToDevice));
    }

    @Test
    void precisionRoundsTheGemmOperandsAsTensorCoresDo() {
        EmulatedKernels.device();
        int m = 33, n = 29, k = 300;
        java.util.Random r = new java.util.Random(3);
        float[] a = new float[m * k], b = new float[k * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
        double[] want = new double[m * n];
        double scale = 0;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double acc = 0;
                for (int l = 0; l < k; l++) acc += (double) a[i * k + l] * b[l * n + j];
                want[i * n + j] = acc;
                scale = Math.max(scale, Math.abs(acc));
            }
        long da = EmulatedKernels.malloc(4L * a.length), db = EmulatedKernels.malloc(4L * b.length);
        long dc = EmulatedKernels.malloc(4L * m * n);
        CudaCheck.rt(
                cudart.cudaMemcpy(
                        new RawPointer(da), new FloatPointer(a), 4L * a.length, cudart.cudaMemcpyHostToDevice),
                "a");
        CudaCheck.rt(
                cudart.cudaMemcpy(
                        new RawPointer(db), new FloatPointer(b), 4L * b.length, cudart.cudaMemcpyHostToDevice),
                "b");
        java.util.Map<Precision, Double> err = new java.util.EnumMap<>(Precision.class);
        for (Precision p : Precision.values()) {
            new Gemm(null, p).gemm(da, db, dc, m, n, k, false, false, 1f, 0f);
            FloatPointer c = new FloatPointer(m * n);
            CudaCheck.rt(cudart.cudaMemcpy(c, new RawPointer(dc), 4L * m * n, cudart.cudaMemcpyDeviceToHost), "c");
            double worst = 0;
            for (int i = 0; i < m * n; i++) worst = Math.max(worst, Math.abs(c.get(i) - want[i]));
            err.put(p, worst / scale);
        }
        System.out.println("emulated cuBLAS GEMM, max error / max |entry| by precision: " + err);
        // measured 2026-12-06 (k = 300): fp32 5.4e-7, tf32 (10-bit mantissa operands) 2.7e-4, bf16 (7-bit) 2.4e-3
        assertTrue(err.get(Precision.FP32) < 2e-6, err.toString());
        assertTrue(err.get(Precision.TF32) > 5e-5 && err.get(Precision.TF32) < 1e-3, err.toString());
        assertTrue(
                err.get(Precision.BF16) > 4 * err.get(Precision.TF32) && err.get(Precision.BF16) < 1e-2,
                err.toString());
        for (long p : new long[] {da, db, dc}) assertEquals(0, cudart.cudaFree(new RawPointer(p)));
    }

    static String[] runPlanted(String mode) throws Exception {
        List<String> cmd = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-D" + io.inrank.model.backend.CudaEmulation.LINK_PATH + "="
                        + System.getProperty(io.inrank.model.backend.CudaEmulation.LINK_PATH),
                "-cp",
                System.getProperty("java.class.path"),
                PlantedFault.class.getName(),
                mode);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        return new String[] {String.valueOf(p.exitValue()), out};
    }

    @Test
    void aPlantedOutOfBoundsWriteOrDeadlockFailsLoudly() throws Exception {
        // one float past a 4000-byte buffer: inside the padding up to the 256-byte boundary, found by the canary
        String[] padding = runPlanted("padding");
        assertEquals("1", padding[0], padding[1]);
        assertTrue(padding[1].contains("launch status 700"), padding[1]);
        assertTrue(
                padding[1].contains("scale_f32_planted wrote 4 byte(s) past the end of the 4000-byte allocation"),
                padding[1]);
        assertTrue(padding[1].contains("later call status 700"), "the fault is sticky, as on a GPU:\n" + padding[1]);
        // one float past a 4096-byte buffer: the guard page, at the faulting store
        String[] guard = runPlanted("guard");
        assertEquals("1", guard[0], guard[1]);
        assertTrue(guard[1].contains("launch status 700"), guard[1]);
        assertTrue(
                guard[1].contains(
                        "scale_f32_planted: thread (0, 0, 0) of block (4, 0, 0) accessed memory out of bounds"),
                guard[1]);
        assertTrue(guard[1].contains("is at offset 0 past the end of the 4096-byte allocation"), guard[1]);
        // a host pointer as a kernel argument
        String[] host = runPlanted("host");
        assertEquals("1", host[0], host[1]);
        assertTrue(host[1].contains("launch status 700"), host[1]);
        assertTrue(host[1].contains("scale_f32_planted: parameter 0: "), host[1]);
        assertTrue(host[1].contains("is not device memory"), host[1]);
        // a warp operation some lanes of its mask never reach: named, not hung
        String[] deadlock = runPlanted("deadlock");
        assertEquals("1", deadlock[0], deadlock[1]);
        assertTrue(deadlock[1].contains("launch status " + cudart.CUDA_ERROR_LAUNCH_FAILED), deadlock[1]);
        assertTrue(
                deadlock[1].contains("lonely_shuffle: deadlock in block (0, 0, 0): 0 thread(s) wait at __syncthreads,"
                        + " 1 at a warp operation, 31 exited"),
                deadlock[1]);
        for (String[] r : List.of(padding, guard, host, deadlock)) assertTrue(!r[1].contains("hs_err"), r[1]);
    }
}
