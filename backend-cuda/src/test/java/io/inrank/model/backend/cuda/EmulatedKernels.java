package io.inrank.model.backend.cuda;

import io.inrank.model.backend.Backends;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Test kernels through the same path as the backend's (NVRTC with the backend's options, cuModuleLoadData,
 * cuModuleGetFunction, cuLaunchKernel) on the emulated device, with raw device buffers from cudaMalloc.
 */
final class EmulatedKernels {
    private EmulatedKernels() {}

    /** Starts the runtime the way the backend does (so the device, context and libraries are the backend's). */
    static CudaRuntime.Device device() {
        Backends.open("cuda");
        return CudaRuntime.device();
    }

    static CUfunc_st function(String source, String name) {
        CudaRuntime.Device d = device();
        byte[] image = Kernels.compile("test", source, d.arch());
        CUmod_st m = new CUmod_st();
        CudaCheck.drv(cudart.cuModuleLoadData(m, new BytePointer(image)), "cuModuleLoadData");
        CUfunc_st f = new CUfunc_st();
        CudaCheck.drv(cudart.cuModuleGetFunction(f, m, name), "cuModuleGetFunction " + name);
        return f;
    }

    /** Device memory of the given size (its own allocation: the emulator guards its ends). */
    static long malloc(long bytes) {
        Pointer p = new Pointer();
        CudaCheck.rt(cudart.cudaMalloc(p, bytes), "cudaMalloc");
        return p.address();
    }

    /** Launches with arguments given as (pointer-sized) longs, ints, floats: the status, not checked. */
    static int launch(CUfunc_st f, int gridX, int gridY, int blockX, int shared, Object... args) {
        PointerPointer<Pointer> params = new PointerPointer<>(args.length);
        for (int i = 0; i < args.length; i++) {
            Pointer slot = new LongPointer(1);
            if (args[i] instanceof Long v) ((LongPointer) slot).put(v);
            else if (args[i] instanceof Integer v) slot = new IntPointer(new int[] {v});
            else if (args[i] instanceof Float v) slot = new FloatPointer(new float[] {v});
            else throw new IllegalArgumentException("argument " + args[i]);
            params.put(i, slot);
        }
        return cudart.cuLaunchKernel(f, gridX, gridY, 1, blockX, 1, 1, shared, null, params, null);
    }
}
