package io.inrank.model.backend.cuda;

import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Status codes of the CUDA libraries turned into exceptions that name the call and the library's own message. Only a
 * device-side fault or an API misuse gets here: every call the backend makes is checked.
 */
final class CudaCheck {
    private CudaCheck() {}

    /** A CUDA runtime call (cuda…). */
    static void rt(int status, String call) {
        if (status != 0)
            throw new CudaException(
                    call + ": " + cudart.cudaGetErrorString(status).getString() + " (" + status + ")");
    }

    /** A driver API call (cu…). */
    static void drv(int status, String call) {
        if (status == 0) return;
        PointerPointer<?> p = new PointerPointer<>(1);
        String text = cudart.cuGetErrorString(status, p) == 0 && p.get(0) != null
                ? new BytePointer(p.get(0)).getString()
                : "CUresult " + status;
        throw new CudaException(call + ": " + text + " (" + status + ")");
    }

    static void blas(int status, String call) {
        if (status != 0)
            throw new CudaException(
                    call + ": " + cublas.cublasGetStatusString(status).getString() + " (" + status + ")");
    }

    static void solver(int status, String call) {
        if (status != 0) throw new CudaException(call + ": cusolverStatus " + status + " (see cusolverStatus_t)");
    }

    static void rtc(int status, String call) {
        if (status != 0)
            throw new CudaException(
                    call + ": " + nvrtc.nvrtcGetErrorString(status).getString());
    }

    /** A failed CUDA call. */
    static final class CudaException extends RuntimeException {
        CudaException(String message) {
            super(message);
        }
    }
}
