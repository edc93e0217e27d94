package io.inrank.model.backend.nd4j;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * BLAS calls on ND4J arrays, through their native addresses. Matrix products for the kernels: a single-row left
 * operand (decoding one token) goes to BLAS's matrix-vector routine directly: ND4J sends it through GEMM with M = 1, which was measured 2.5–3× slower than sgemv (768×3072:
 * 489 vs 192 µs; the 50,257×768 LM head: 15.3 vs 5.0 ms). Everything else is {@code Nd4j.gemm}. The residual add goes
 * to BLAS's axpy: ND4J's {@code addi} on an offset view (the batched decoder's [n, C] rows of a shared buffer) was
 * measured at 3.4 ms for 8 × 768 values — 150× a plain add — and took more time than every GEMM of a gpt2-small
 * decode step together.
 */
final class Blas {
    private Blas() {}

    /** dst += src (same type and length, both contiguous); anything else falls back to ND4J. */
    static void addInPlace(INDArray dst, INDArray src) {
        DataType t = dst.dataType();
        boolean direct = (t == DataType.FLOAT || t == DataType.DOUBLE) && src.dataType() == t && dst.length() == src.length()
                && dst.ordering() == 'c' && src.ordering() == 'c' && (dst.length() == 1 || dst.elementWiseStride() == 1 && src.elementWiseStride() == 1)
                && dst.length() <= Integer.MAX_VALUE;
        if (!direct) {
            dst.addi(src);
        } else if (t == DataType.FLOAT) {
            openblas.cblas_saxpy((int) dst.length(), 1f, new FloatPointer(at(src)), 1, new FloatPointer(at(dst)), 1);
        } else {
            openblas.cblas_daxpy((int) dst.length(), 1.0, new DoublePointer(at(src)), 1, new DoublePointer(at(dst)), 1);
        }
    }

    /** Up to this many rows the product goes to GEMV, one call per row over cache-sized blocks of b. */
    static final int GEMV_ROWS = 16;
    /** b is cut into blocks of rows of about this size: read from memory by the first row's call, from cache by the rest. */
    private static final long BLOCK_BYTES = 4L << 20;

    /** c = α·op(a)·op(b) + β·c. */
    static void mm(INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, double alpha, double beta) {
        if (!ta && a.rank() == 2 && a.size(0) <= GEMV_ROWS && vectorReady(a, b, c)) {
            gemvRows(a, b, c, tb, alpha, beta);
        } else {
            Nd4j.gemm(a, b, c, ta, tb, alpha, beta);
        }
    }

    private static boolean vectorReady(INDArray a, INDArray b, INDArray c) {
        DataType t = a.dataType();
        return (t == DataType.FLOAT || t == DataType.DOUBLE) && b.dataType() == t && c.dataType() == t && b.rank() == 2
                && b.ordering() == 'c' && b.stride(1) == 1 && b.stride(0) == b.size(1) && a.elementWiseStride() == 1
                && c.elementWiseStride() == 1 && a.ordering() == 'c' && c.ordering() == 'c';
    }

    /**
     * c[m, n] = α·a[m, k]·op(b) + β·c by GEMV: b is [k, n] row-major (BLAS-transposed) or, with tb, [n, k]; either way
     * its rows are cut into blocks, and each block serves every row of a before the next block is touched.
     */
    private static void gemvRows(INDArray a, INDArray b, INDArray c, boolean tb, double alpha, double beta) {
        int m = (int) a.size(0), rows = (int) b.size(0), cols = (int) b.size(1);
        if ((tb ? cols : rows) != a.size(1) || (tb ? rows : cols) != c.size(1) || c.size(0) != m) {
            throw new IllegalArgumentException("shapes " + java.util.Arrays.toString(a.shape()) + " · " + java.util.Arrays.toString(b.shape())
                    + (tb ? "ᵀ" : "") + " → " + java.util.Arrays.toString(c.shape()));
        }
        boolean f32 = a.dataType() == DataType.FLOAT;
        long k = a.size(1), n = c.size(1);
        int block = m == 1 ? rows : (int) Math.max(1, Math.min(rows, BLOCK_BYTES / ((long) cols * a.data().getElementSize())));
        Pointer pa = typed(at(a), f32), pb = typed(at(b), f32), pc = typed(at(c), f32);
        for (int r0 = 0; r0 < rows; r0 += block) {
            int h = Math.min(block, rows - r0);
            for (int i = 0; i < m; i++) {
                if (tb) {   // c[i, r0:r0+h] = α·b[r0:r0+h, :]·a[i, :] + β·c[i, r0:r0+h]
                    gemv(f32, openblas.CblasNoTrans, h, cols, alpha, pb.position((long) r0 * cols), pa.position(i * k), beta, pc.position(i * n + r0));
                } else {    // c[i, :] = α·b[r0:r0+h, :]ᵀ·a[i, r0:r0+h] + (β for the first block, then 1)·c[i, :]
                    gemv(f32, openblas.CblasTrans, h, cols, alpha, pb.position((long) r0 * cols), pa.position(i * k + r0), r0 == 0 ? beta : 1,
                            pc.position(i * n));
                }
            }
        }
    }

    /**
     * y = α·A·x (or α·Aᵀ·x with trans) for A a [rows, cols] block inside a row-major array with leading dimension lda,
     * starting aOff elements in; x and y contiguous from their offsets; y overwritten. (The cached attention's per-head
     * products: a head's columns of the K or V cache.)
     */
    static void gemvAt(boolean trans, int rows, int cols, int lda, INDArray a, long aOff, INDArray x, long xOff, double alpha, INDArray y,
                       long yOff) {
        boolean f32 = a.dataType() == DataType.FLOAT;
        if (x.dataType() != a.dataType() || y.dataType() != a.dataType()) throw new IllegalArgumentException("mixed types");
        long aEnd = aOff + (long) (rows - 1) * lda + cols, xEnd = xOff + (trans ? rows : cols), yEnd = yOff + (trans ? cols : rows);
        if (aEnd > a.length() || xEnd > x.length() || yEnd > y.length()) throw new IndexOutOfBoundsException("gemv block outside its arrays");
        Pointer pa = typed(at(a), f32).position(aOff), px = typed(at(x), f32).position(xOff), py = typed(at(y), f32).position(yOff);
        if (f32) {
            openblas.cblas_sgemv(openblas.CblasRowMajor, trans ? openblas.CblasTrans : openblas.CblasNoTrans, rows, cols, (float) alpha,
                    (FloatPointer) pa, lda, (FloatPointer) px, 1, 0f, (FloatPointer) py, 1);
        } else {
            openblas.cblas_dgemv(openblas.CblasRowMajor, trans ? openblas.CblasTrans : openblas.CblasNoTrans, rows, cols, alpha,
                    (DoublePointer) pa, lda, (DoublePointer) px, 1, 0.0, (DoublePointer) py, 1);
        }
    }

    private static Pointer typed(Pointer p, boolean f32) {
        return f32 ? new FloatPointer(p) : new DoublePointer(p);
    }

    /** y = α·op(A)·x + β·y, A [rows, cols] row-major with leading dimension cols, unit strides. */
    private static void gemv(boolean f32, int trans, int rows, int cols, double alpha, Pointer a, Pointer x, double beta, Pointer y) {
        if (f32) {
            openblas.cblas_sgemv(openblas.CblasRowMajor, trans, rows, cols, (float) alpha, (FloatPointer) a, cols, (FloatPointer) x, 1,
                    (float) beta, (FloatPointer) y, 1);
        } else {
            openblas.cblas_dgemv(openblas.CblasRowMajor, trans, rows, cols, alpha, (DoublePointer) a, cols, (DoublePointer) x, 1, beta,
                    (DoublePointer) y, 1);
        }
    }

    /** A pointer to element 0 of the array (views included), without allocating native memory. */
    private static Pointer at(INDArray x) {
        long addr = Flat.address(x);      // not named "address": inside the subclass that name is Pointer's own field
        return new Pointer() {
            {
                this.address = addr;
            }
        };
    }
}
