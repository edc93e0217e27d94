package io.inrank.model.backend.cuda;

/**
 * One cuBLAS (column-major) strided-batched GEMM as the backend issues it for a row-major request: a row-major X with
 * row stride ld is the column-major Xᵀ with leading dimension ld, so C = op(A)·op(B) [m, n] becomes
 * Cᵀ = op(B)ᵀ·op(A)ᵀ: cuBLAS's first operand is our B, its m is our n. Pure arithmetic, so the mapping is tested on
 * the CPU against plain row-major products ({@code ColumnMajorGemmTest}). Addresses are bytes, strides elements.
 */
record ColumnMajorGemm(
        boolean transFirst,
        boolean transSecond,
        int m,
        int n,
        int k,
        long first,
        int ldFirst,
        long strideFirst,
        long second,
        int ldSecond,
        long strideSecond,
        long c,
        int ldc,
        long strideC,
        int batch) {

    /**
     * C_i [m, n] = op(A_i)·op(B_i) (+ β·C_i), row-major with row strides lda, ldb, ldc; A_i [m, k] (or [k, m] with
     * transA), B_i [k, n] (or [n, k] with transB).
     */
    static ColumnMajorGemm rowMajor(
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
            int batch) {
        if (lda < (transA ? m : k) || ldb < (transB ? k : n) || ldc < n)
            throw new IllegalArgumentException("row strides " + lda + ", " + ldb + ", " + ldc + " shorter than rows of "
                    + "op(A) [" + m + ", " + k + "], op(B) [" + k + ", " + n + "]");
        return new ColumnMajorGemm(transB, transA, n, m, k, b, ldb, strideB, a, lda, strideA, c, ldc, strideC, batch);
    }

    /** Contiguous operands (row stride = row length), one batch entry. */
    static ColumnMajorGemm rowMajor(long a, long b, long c, int m, int n, int k, boolean transA, boolean transB) {
        return rowMajor(a, transA ? m : k, 0, b, transB ? k : n, 0, c, n, 0, m, n, k, transA, transB, 1);
    }
}
