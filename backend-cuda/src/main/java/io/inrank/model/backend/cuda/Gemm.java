package io.inrank.model.backend.cuda;

import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Row-major GEMMs on cuBLAS (column-major): a row-major X is the column-major Xᵀ, so C = op(A)·op(B) is computed as
 * Cᵀ = op(B)ᵀ·op(A)ᵀ with the operands swapped, and nothing is ever transposed in memory. The compute type follows
 * the precision: fp32 (exact float32 products), tf32 (TF32 tensor cores, 10-bit mantissa inputs) or bf16 (bf16
 * tensor-core products of the float32 operands, float32 accumulation and storage).
 */
final class Gemm {
    private final cublasContext handle = new cublasContext();
    private final int computeType;
    private final FloatPointer alpha = new FloatPointer(1), beta = new FloatPointer(1);

    Gemm(CUstream_st stream, Precision precision) {
        CudaCheck.blas(cublas.cublasCreate_v2(handle), "cublasCreate");
        CudaCheck.blas(cublas.cublasSetStream_v2(handle, stream), "cublasSetStream");
        computeType = switch (precision) {
            case FP32 -> cublas.CUBLAS_COMPUTE_32F;
            case TF32 -> cublas.CUBLAS_COMPUTE_32F_FAST_TF32;
            case BF16 -> cublas.CUBLAS_COMPUTE_32F_FAST_16BF;
        };
        if (precision == Precision.FP32)
            CudaCheck.blas(cublas.cublasSetMathMode(handle, cublas.CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
    }

    /**
     * c [m, n] = α·op(a)·op(b) + β·c, all row-major and contiguous; a is [m, k] (or [k, m] with transA), b is [k, n]
     * (or [n, k] with transB).
     */
    void gemm(long a, long b, long c, int m, int n, int k, boolean transA, boolean transB, float al, float be) {
        if (m == 0 || n == 0) return;
        alpha.put(0, al);
        beta.put(0, be);
        int lda = transA ? m : k, ldb = transB ? k : n;
        CudaCheck.blas(
                cublas.cublasGemmEx(
                        handle,
                        transB ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N,
                        transA ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N,
                        n,
                        m,
                        k,
                        alpha,
                        new RawPointer(b),
                        cudart.CUDA_R_32F,
                        ldb,
                        new RawPointer(a),
                        cudart.CUDA_R_32F,
                        lda,
                        beta,
                        new RawPointer(c),
                        cudart.CUDA_R_32F,
                        n,
                        computeType,
                        cublas.CUBLAS_GEMM_DEFAULT),
                "cublasGemmEx m=" + m + " n=" + n + " k=" + k);
    }
}
