package io.inrank.model.backend.cuda;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.BackendOptions;
import io.inrank.model.backend.BackendProvider;
import io.inrank.model.backend.BackendUnavailableException;
import io.inrank.model.backend.CudaEmulation;
import io.inrank.model.backend.Precision;
import java.util.EnumSet;
import java.util.Set;
import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;

/**
 * {@code --backend cuda}: found by {@link java.util.ServiceLoader}. Availability is {@link CudaRuntime}'s verdict
 * (no CUDA class is touched where there is no driver); opening makes the context, the stream, the arena
 * ({@code INRANK_CUDA_MEMORY}), cuBLAS at the options' precision (fp32, tf32 or bf16) and cuSOLVER.
 */
public final class CudaProvider implements BackendProvider {
    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String description() {
        if (CudaEmulation.requested()) return "emulated on the CPU";
        return "NVIDIA GPU (compute capability ≥ 8.0, CUDA 13 driver): NVRTC kernels, cuBLAS, cuSOLVER";
    }

    @Override
    public String unavailableReason() {
        return CudaRuntime.unavailableReason();
    }

    @Override
    public Set<Precision> precisions() {
        return EnumSet.allOf(Precision.class);
    }

    @Override
    public int order() {
        return 50;
    }

    @Override
    public Backend open(BackendOptions options) {
        CudaRuntime.Device device = CudaRuntime.device();
        Precision precision = options.precision();
        long arena;
        try {
            CudaCheck.rt(cudart.cudaSetDevice(0), "cudaSetDevice");
            CudaCheck.rt(cudart.cudaFree(null), "cudaFree (context start)");
            arena = DeviceMemory.arenaBytes(System.getenv("INRANK_CUDA_MEMORY"), DeviceMemory.freeDeviceBytes());
        } catch (IllegalArgumentException e) {
            throw new BackendUnavailableException("cuda: " + e.getMessage(), e);
        }
        CUctx_st context = new CUctx_st();
        CudaCheck.drv(cudart.cuCtxGetCurrent(context), "cuCtxGetCurrent");
        CUstream_st stream = new CUstream_st();
        CudaCheck.rt(cudart.cudaStreamCreateWithFlags(stream, cudart.cudaStreamNonBlocking), "cudaStreamCreate");
        int[] sms = {0};
        CudaCheck.rt(cudart.cudaDeviceGetAttribute(sms, cudart.cudaDevAttrMultiProcessorCount, 0), "SM count");
        DeviceMemory mem = new DeviceMemory(stream, arena);
        Kernels kernels = new Kernels(device, CubinCache.standard(), stream, context);
        return new CudaBackend(device, precision, mem, kernels, new Gemm(stream, precision), sms[0]);
    }
}
