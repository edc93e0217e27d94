package io.inrank.model.backend.cuda;

/**
 * Strided-batched row-major GEMMs: {@code batch} products C_i [m, n] = α·op(A_i)·op(B_i) + β·C_i with row strides
 * (lda, ldb, ldc: e.g. 3C for a head's columns inside qkv) and element strides between entries. {@link Gemm} issues
 * them on cuBLAS; tests run the same calls on host memory.
 */
interface BatchedGemm {
    void stridedBatched(
            long a,
            int lda,
            long strideA,
            long b,
            int ldb,
            long strideB,
            long c,
            int ldc,
            long strideC,
            int m,
            int n,
            int k,
            boolean transA,
            boolean transB,
            float alpha,
            float beta,
            int batch);
}
