package io.inrank.model.backend.cuda;

/**
 * One cuBLAS (column-major) strided-batched GEMM as the backend issues it for a row-major request: a row-major X with
 * row stride ld is the column-major Xᵀ with leading dimension ld, so C = op(A)·op(B) [m, n] becomes
 * Cᵀ = op(B)ᵀ·op(A)ᵀ: cuBLAS's first operand is our B, its m is our n. Pure arithmetic, so the mapping is tested on
 * the CPU against plain row-major products ({@code GemmAttentionTest}). Addresses are bytes, strides elements.
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

    /** The cuBLAS call of the row-major product {@code g} at operand addresses a, b, c. */
    static ColumnMajorGemm of(StridedGemm g, long a, long b, long c) {
        return new ColumnMajorGemm(
                g.transB(),
                g.transA(),
                g.n(),
                g.m(),
                g.k(),
                b,
                g.ldb(),
                g.strideB(),
                a,
                g.lda(),
                g.strideA(),
                c,
                g.ldc(),
                g.strideC(),
                g.batch());
    }
}
