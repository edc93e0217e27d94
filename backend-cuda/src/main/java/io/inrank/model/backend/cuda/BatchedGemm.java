package io.inrank.model.backend.cuda;

/**
 * Runs strided-batched row-major GEMMs, C_i = α·op(A_i)·op(B_i) + β·C_i, of a geometry made once ({@link StridedGemm})
 * at the addresses of each call. {@link Gemm} issues them on cuBLAS; tests run the same calls on host memory.
 */
interface BatchedGemm {
    void run(StridedGemm g, long a, long b, long c, float alpha, float beta);
}
