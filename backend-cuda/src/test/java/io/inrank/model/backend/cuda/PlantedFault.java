package io.inrank.model.backend.cuda;

import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.FloatPointer;

/**
 * A planted bug in a copy of a real kernel, run in its own JVM by {@link EmulatedDeviceTest} (a kernel fault is
 * sticky: the context is lost afterwards, as on a GPU). tensor_ops' scale_f32 with its bound check off by one
 * ({@code i <= n}), so the thread for element n writes one float past the buffer. Prints each CUDA status and exits
 * 1 when the launch failed.
 * <ul>
 *   <li>{@code padding}: a 1000-float buffer, whose end is not a 256-byte boundary: the write lands in the padding
 *       before the guard page and the canary check after the launch reports it;
 *   <li>{@code guard}: a 1024-float buffer, which ends on the guard page: the write faults at once;
 *   <li>{@code host}: the kernel is given a host pointer;
 *   <li>{@code deadlock}: lane 0 alone shuffles with a full-warp mask (a GPU hangs or computes garbage).
 * </ul>
 */
public final class PlantedFault {
    private PlantedFault() {}

    static final String SOURCE = EmulatedDeviceTest.SCALE_PLANTED;

    static final String LONELY_SHUFFLE = """
            extern "C" __global__ void lonely_shuffle(float* out) {
                float v = out[threadIdx.x];
                if (threadIdx.x == 0) v = __shfl_xor_sync(0xFFFFFFFFu, v, 1);
                out[threadIdx.x] = v;
            }
            """;

    public static void main(String[] args) {
        CUfunc_st f = EmulatedKernels.function(SOURCE, "scale_f32_planted");
        int status;
        switch (args[0]) {
            case "padding", "guard" -> {
                long n = args[0].equals("padding") ? 1000 : 1024;
                long buf = EmulatedKernels.malloc(4 * n);
                status = EmulatedKernels.launch(f, (int) ((n + 256) / 256), 1, 256, 0, buf, n, 2f);
            }
            case "host" -> {
                FloatPointer host = new FloatPointer(64);
                status = EmulatedKernels.launch(f, 1, 1, 64, 0, host.address(), 63L, 2f);
            }
            case "deadlock" -> {
                CUfunc_st lonely = EmulatedKernels.function(LONELY_SHUFFLE, "lonely_shuffle");
                long buf = EmulatedKernels.malloc(4 * 32);
                status = EmulatedKernels.launch(lonely, 1, 1, 32, 0, buf);
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.println("launch status " + status);
        System.out.println("later call status " + cudart.cudaMemset(null, 0, 0));
        System.out.flush();
        System.exit(status == 0 ? 0 : 1);
    }
}
