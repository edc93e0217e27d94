package io.inrank.model.backend.nd4j;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * BLAS calls on ND4J arrays, through their native addresses.
 * <ul>
 * <li>Products whose left operand has at most {@link #GEMV_ROWS} rows (decoding: one token, or a continuous batch):
 * float32 ones with α = 1, β = 0 go to the Vector-API kernels of {@link RowProducts} when the module is present (all
 * row counts for a·Wᵀ, the decoder's form; two or more for a·W); the rest to GEMV, one call per row over ~4 MB blocks
 * of the right operand, each block read from memory once and from cache by the other rows. ND4J would send them
 * through GEMM, which is slower at one row, and OpenBLAS's GEMM with few rows spends its time packing the weight
 * (model/BENCHMARKS.md). Everything larger (training) is {@code Nd4j.gemm}.</li>
 * <li>The cached attention's per-head products ({@link #gemvAt}: a head's columns of the K or V cache).</li>
 * <li>The residual add as axpy: ND4J's {@code addi} on an offset view (the batched decoder's [n, C] rows of a shared
 * buffer) costs far more than the add itself (model/BENCHMARKS.md).</li>
 * </ul>
 * The typed pointers handed to BLAS are per-thread objects re-aimed for every call, so decoding loops allocate nothing
 * here.
 */
final class Blas {
    private Blas() {}

    /** Up to this many rows the product goes to GEMV. */
    static final int GEMV_ROWS = 16;
    /** The right operand is cut into blocks of rows of about this size. */
    private static final long BLOCK_BYTES = 4L << 20;

    /** dst += src (same type and length, both contiguous); anything else falls back to ND4J. */
    static void addInPlace(INDArray dst, INDArray src) {
        DataType t = dst.dataType();
        boolean direct = (t == DataType.FLOAT || t == DataType.DOUBLE)
                && src.dataType() == t
                && dst.length() == src.length()
                && dst.length() <= Integer.MAX_VALUE
                && contiguous(dst)
                && contiguous(src);
        if (!direct) {
            dst.addi(src);
            return;
        }
        Pointers p = Pointers.get();
        if (t == DataType.FLOAT) openblas.cblas_saxpy((int) dst.length(), 1f, p.f(0, src, 0), 1, p.f(1, dst, 0), 1);
        else openblas.cblas_daxpy((int) dst.length(), 1.0, p.d(0, src, 0), 1, p.d(1, dst, 0), 1);
    }

    /** c = α·op(a)·op(b) + β·c. */
    static void mm(INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, double alpha, double beta) {
        if (!ta && a.rank() == 2 && a.size(0) <= GEMV_ROWS && vectorReady(a, b, c)) {
            checkShapes(a, b, c, tb);
            if (alpha == 1 && beta == 0 && RowProducts.accepts(a, b, c, tb)) RowProducts.multiply(a, b, c, tb);
            else gemvRows(a, b, c, tb, alpha, beta);
        } else {
            Nd4j.gemm(a, b, c, ta, tb, alpha, beta);
        }
    }

    private static boolean contiguous(INDArray x) {
        return x.ordering() == 'c' && (x.length() == 1 || x.elementWiseStride() == 1);
    }

    private static boolean vectorReady(INDArray a, INDArray b, INDArray c) {
        DataType t = a.dataType();
        return (t == DataType.FLOAT || t == DataType.DOUBLE)
                && b.dataType() == t
                && c.dataType() == t
                && b.rank() == 2
                && b.ordering() == 'c'
                && b.stride(1) == 1
                && b.stride(0) == b.size(1)
                && contiguous(a)
                && contiguous(c);
    }

    private static void checkShapes(INDArray a, INDArray b, INDArray c, boolean tb) {
        long rows = b.size(0), cols = b.size(1);
        if ((tb ? cols : rows) != a.size(1) || (tb ? rows : cols) != c.size(1) || c.size(0) != a.size(0)) {
            throw new IllegalArgumentException(
                    "shapes " + java.util.Arrays.toString(a.shape()) + " · " + java.util.Arrays.toString(b.shape())
                            + (tb ? "ᵀ" : "") + " → " + java.util.Arrays.toString(c.shape()));
        }
    }

    /**
     * c[m, n] = α·a[m, k]·op(b) + β·c by GEMV: b is [k, n] row-major (BLAS-transposed) or, with tb, [n, k]; either way
     * its rows are cut into blocks, and each block serves every row of a before the next block is touched.
     */
    private static void gemvRows(INDArray a, INDArray b, INDArray c, boolean tb, double alpha, double beta) {
        int m = (int) a.size(0), rows = (int) b.size(0), cols = (int) b.size(1);
        long k = a.size(1), n = c.size(1);
        int block = m == 1
                ? rows
                : (int) Math.max(
                        1, Math.min(rows, BLOCK_BYTES / ((long) cols * a.data().getElementSize())));
        for (int r0 = 0; r0 < rows; r0 += block) {
            int h = Math.min(block, rows - r0);
            for (int i = 0; i < m; i++) {
                if (tb) { // c[i, r0:r0+h] = α·b[r0:r0+h, :]·a[i, :] + β·c[i, r0:r0+h]
                    gemv(false, h, cols, cols, alpha, b, (long) r0 * cols, a, i * k, beta, c, i * n + r0);
                } else { // c[i, :] = α·b[r0:r0+h, :]ᵀ·a[i, r0:r0+h] + (β for the first block, then 1)·c[i, :]
                    gemv(true, h, cols, cols, alpha, b, (long) r0 * cols, a, i * k + r0, r0 == 0 ? beta : 1, c, i * n);
                }
            }
        }
    }

    /**
     * y = α·A·x (or α·Aᵀ·x with trans), y overwritten, for A a [rows, cols] block inside a row-major array with leading
     * dimension lda, starting aOff elements in; x and y contiguous from their offsets. Bounds are checked here.
     */
    static void gemvAt(
            boolean trans,
            int rows,
            int cols,
            int lda,
            INDArray a,
            long aOff,
            INDArray x,
            long xOff,
            double alpha,
            INDArray y,
            long yOff) {
        if (x.dataType() != a.dataType() || y.dataType() != a.dataType())
            throw new IllegalArgumentException("mixed types");
        long aEnd = aOff + (long) (rows - 1) * lda + cols,
                xEnd = xOff + (trans ? rows : cols),
                yEnd = yOff + (trans ? cols : rows);
        if (aEnd > a.length() || xEnd > x.length() || yEnd > y.length())
            throw new IndexOutOfBoundsException("gemv block outside its arrays");
        gemv(trans, rows, cols, lda, alpha, a, aOff, x, xOff, 0.0, y, yOff);
    }

    /** y = α·op(A)·x + β·y on FLOAT or DOUBLE arrays at element offsets; A row-major with leading dimension lda. */
    private static void gemv(
            boolean trans,
            int rows,
            int cols,
            int lda,
            double alpha,
            INDArray a,
            long aOff,
            INDArray x,
            long xOff,
            double beta,
            INDArray y,
            long yOff) {
        Pointers p = Pointers.get();
        int op = trans ? openblas.CblasTrans : openblas.CblasNoTrans;
        if (a.dataType() == DataType.FLOAT) {
            openblas.cblas_sgemv(
                    openblas.CblasRowMajor,
                    op,
                    rows,
                    cols,
                    (float) alpha,
                    p.f(0, a, aOff),
                    lda,
                    p.f(1, x, xOff),
                    1,
                    (float) beta,
                    p.f(2, y, yOff),
                    1);
        } else {
            openblas.cblas_dgemv(
                    openblas.CblasRowMajor,
                    op,
                    rows,
                    cols,
                    alpha,
                    p.d(0, a, aOff),
                    lda,
                    p.d(1, x, xOff),
                    1,
                    beta,
                    p.d(2, y, yOff),
                    1);
        }
    }

    /**
     * Three float and three double pointers per thread, aimed at an array's element for each call (BLAS reads address +
     * position; nothing is allocated, natively or on the heap).
     */
    private static final class Pointers {
        private static final ThreadLocal<Pointers> PER_THREAD = ThreadLocal.withInitial(Pointers::new);
        private final FloatAt[] f = {new FloatAt(), new FloatAt(), new FloatAt()};
        private final DoubleAt[] d = {new DoubleAt(), new DoubleAt(), new DoubleAt()};

        static Pointers get() {
            return PER_THREAD.get();
        }

        FloatPointer f(int slot, INDArray x, long offset) {
            return f[slot].aim(Flat.address(x), offset);
        }

        DoublePointer d(int slot, INDArray x, long offset) {
            return d[slot].aim(Flat.address(x), offset);
        }
    }

    /** A FloatPointer re-aimed at existing memory (the field is Pointer's own {@code address}). */
    private static final class FloatAt extends FloatPointer {
        FloatAt aim(long base, long offset) {
            address = base;
            position(offset);
            return this;
        }
    }

    private static final class DoubleAt extends DoublePointer {
        DoubleAt aim(long base, long offset) {
            address = base;
            position(offset);
            return this;
        }
    }
}
