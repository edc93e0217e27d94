package io.inrank.model.backend.cuda;

import io.inrank.model.backend.Precision;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Row-major GEMMs on cuBLAS, mapped by {@link ColumnMajorGemm} (nothing is ever transposed in memory). The compute
 * type follows the precision: fp32 (exact float32 products), tf32 (TF32 tensor cores, 10-bit mantissa inputs) or bf16
 * (bf16 tensor-core products of the float32 operands, float32 accumulation and storage).
 */
final class Gemm implements BatchedGemm {
    private final cublasContext handle = new cublasContext();
    private final int computeType;
    private final FloatPointer alpha = new FloatPointer(1), beta = new FloatPointer(1);
    // the operand pointers, re-aimed per call (calls are serialized by the backend): no objects per GEMM
    private final RawPointer first = new RawPointer(0), second = new RawPointer(0), out = new RawPointer(0);

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

    /** c [m, n] = α·op(a)·op(b) + β·c, all row-major and contiguous. */
    void gemm(long a, long b, long c, int m, int n, int k, boolean transA, boolean transB, float al, float be) {
        issue(StridedGemm.contiguous(m, n, k, transA, transB).at(a, b, c), al, be);
    }

    @Override
    public void run(StridedGemm g, long a, long b, long c, float al, float be) {
        issue(g.at(a, b, c), al, be);
    }

    private void issue(ColumnMajorGemm g, float al, float be) {
        if (g.m() == 0 || g.n() == 0 || g.batch() == 0) return;
        alpha.put(0, al);
        beta.put(0, be);
        int opFirst = g.transFirst() ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N;
        int opSecond = g.transSecond() ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N;
        // a single product is a batch of one (strides unused)
        CudaCheck.blas(
                cublas.cublasGemmStridedBatchedEx(
                        handle,
                        opFirst,
                        opSecond,
                        g.m(),
                        g.n(),
                        g.k(),
                        alpha,
                        first.at(g.first()),
                        cudart.CUDA_R_32F,
                        g.ldFirst(),
                        g.strideFirst(),
                        second.at(g.second()),
                        cudart.CUDA_R_32F,
                        g.ldSecond(),
                        g.strideSecond(),
                        beta,
                        out.at(g.c()),
                        cudart.CUDA_R_32F,
                        g.ldc(),
                        g.strideC(),
                        g.batch(),
                        computeType,
                        cublas.CUBLAS_GEMM_DEFAULT),
                "cuBLAS GEMM m=" + g.m() + " n=" + g.n() + " k=" + g.k() + " batch=" + g.batch());
    }
}
