package io.inrank.model.backend.cuda;

/**
 * The geometry of one row-major strided-batched GEMM, apart from its addresses: {@code batch} products C_i [m, n] =
 * op(A_i)·op(B_i), A_i [m, k] (or [k, m] with transA), B_i [k, n] (or [n, k] with transB), with row strides lda, ldb,
 * ldc (e.g. 3C for a head's columns inside qkv) and element strides between batch entries. A caller makes each
 * geometry once per shape and runs it at the addresses of each call ({@link BatchedGemm#run}); {@link ColumnMajorGemm}
 * turns it into cuBLAS's column-major call.
 */
record StridedGemm(
        int m,
        int n,
        int k,
        boolean transA,
        boolean transB,
        int lda,
        long strideA,
        int ldb,
        long strideB,
        int ldc,
        long strideC,
        int batch) {

    StridedGemm {
        if (lda < (transA ? m : k) || ldb < (transB ? k : n) || ldc < n)
            throw new IllegalArgumentException("row strides " + lda + ", " + ldb + ", " + ldc + " shorter than rows of "
                    + "op(A) [" + m + ", " + k + "], op(B) [" + k + ", " + n + "]");
    }

    /** Contiguous operands (row stride = row length), one product: every GEMM of the backend but attention's. */
    static StridedGemm contiguous(int m, int n, int k, boolean transA, boolean transB) {
        return new StridedGemm(m, n, k, transA, transB, transA ? m : k, 0, transB ? k : n, 0, n, 0, 1);
    }

    /** This product at operand addresses a, b and c (bytes). */
    ColumnMajorGemm at(long a, long b, long c) {
        return ColumnMajorGemm.of(this, a, b, c);
    }
}
