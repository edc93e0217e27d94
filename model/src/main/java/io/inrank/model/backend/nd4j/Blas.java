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

    /** c = α·op(a)·op(b) + β·c. */
    static void mm(INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, double alpha, double beta) {
        if (!ta && a.rank() == 2 && a.size(0) == 1 && vectorReady(a, b, c)) {
            gemv(a, b, c, tb, alpha, beta);
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

    /** c[1, n] = α·a[1, k]·op(b) + β·c: b [k, n] row-major (transposed in BLAS terms) or, with tb, b [n, k]. */
    private static void gemv(INDArray a, INDArray b, INDArray c, boolean tb, double alpha, double beta) {
        int rows = (int) b.size(0), cols = (int) b.size(1);
        int trans = tb ? openblas.CblasNoTrans : openblas.CblasTrans;
        if (a.dataType() == DataType.FLOAT) {
            openblas.cblas_sgemv(openblas.CblasRowMajor, trans, rows, cols, (float) alpha, new FloatPointer(at(b)), cols,
                    new FloatPointer(at(a)), 1, (float) beta, new FloatPointer(at(c)), 1);
        } else {
            openblas.cblas_dgemv(openblas.CblasRowMajor, trans, rows, cols, alpha, new DoublePointer(at(b)), cols,
                    new DoublePointer(at(a)), 1, beta, new DoublePointer(at(c)), 1);
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
