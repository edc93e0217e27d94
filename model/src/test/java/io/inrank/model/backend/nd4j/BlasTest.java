package io.inrank.model.backend.nd4j;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The direct BLAS paths on views of shared buffers (the decoder's step buffers): right elements, nothing else touched. */
class BlasTest {
    @Test
    void residualAddOnOffsetViewsTouchesOnlyTheView() {
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray dstBuf = Nd4j.arange(0, 100).castTo(t),
                    srcBuf = Nd4j.arange(1000, 1100).castTo(t);
            INDArray dst = dstBuf.get(NDArrayIndex.interval(30, 42)).reshape('c', 3, 4);
            INDArray src = srcBuf.get(NDArrayIndex.interval(50, 62)).reshape('c', 3, 4);
            Blas.addInPlace(dst, src);
            for (int i = 0; i < 100; i++) {
                double want = i >= 30 && i < 42 ? i + 1000 + (i - 30 + 50) : i;
                assertEquals(want, dstBuf.getDouble(i), 0, t + " element " + i);
                assertEquals(1000 + i, srcBuf.getDouble(i), 0, "source unchanged");
            }
        }
    }

    @Test
    void singleRowProductEqualsNd4jGemm() {
        for (boolean tb : new boolean[] {false, true}) {
            INDArray a = Nd4j.rand(DataType.DOUBLE, 1, 7),
                    b = tb ? Nd4j.rand(DataType.DOUBLE, 5, 7) : Nd4j.rand(DataType.DOUBLE, 7, 5);
            INDArray buf = Nd4j.zeros(DataType.DOUBLE, 20),
                    c = buf.get(NDArrayIndex.interval(10, 15)).reshape('c', 1, 5);
            Blas.mm(a, b, c, false, tb, 1.0, 0.0);
            INDArray want = Nd4j.zeros(DataType.DOUBLE, 1, 5);
            Nd4j.gemm(a, b, want, false, tb, 1.0, 0.0);
            for (int j = 0; j < 5; j++) assertEquals(want.getDouble(j), buf.getDouble(10 + j), 1e-12);
            assertEquals(0.0, buf.getDouble(9));
            assertEquals(0.0, buf.getDouble(15));
        }
    }

    @Test
    void fewRowProductsByBlockedGemvEqualGemm() {
        // 20,000 × 64 doubles is 10 MB: several blocks, and the last one partial
        for (DataType t : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            for (int m : new int[] {2, 3, Blas.GEMV_ROWS}) {
                for (boolean tb : new boolean[] {false, true}) {
                    long rows = 20_000, cols = 64, k = tb ? cols : rows, n = tb ? rows : cols;
                    INDArray a = Nd4j.rand(t, m, k).subi(0.5),
                            b = Nd4j.rand(t, rows, cols).subi(0.5);
                    INDArray buf = Nd4j.rand(t, m * n + 10),
                            c = buf.get(NDArrayIndex.interval(5, 5 + m * n)).reshape('c', m, n);
                    INDArray want = c.dup();
                    Nd4j.gemm(a, b, want, false, tb, 0.5, 2.0);
                    double before = buf.getDouble(4), after = buf.getDouble(5 + m * n);
                    Blas.mm(a, b, c, false, tb, 0.5, 2.0);
                    double tol = t == DataType.DOUBLE ? 1e-9 : 2e-2;
                    assertTrue(
                            want.sub(c).amaxNumber().doubleValue() <= tol,
                            t + " m=" + m + " tb=" + tb + ": " + want.sub(c).amaxNumber());
                    assertEquals(before, buf.getDouble(4), 0, "left neighbour untouched");
                    assertEquals(after, buf.getDouble(5 + m * n), 0, "right neighbour untouched");
                }
            }
        }
    }

    @Test
    void gemvOnABlockOfALargerArray() {
        // a head's columns of a [len, C] cache: rows 0..4, columns 6..9 of a 5 × 12 matrix (leading dimension 12)
        INDArray cache = Nd4j.rand(DataType.DOUBLE, 5, 12),
                x = Nd4j.rand(DataType.DOUBLE, 1, 10),
                y = Nd4j.zeros(DataType.DOUBLE, 1, 20);
        INDArray block = cache.get(NDArrayIndex.all(), NDArrayIndex.interval(6, 10));
        Blas.gemvAt(false, 5, 4, 12, cache, 6, x, 3, 0.5, y, 7); // y[7..12) = 0.5·block·x[3..7)
        INDArray want = block.mmul(x.get(NDArrayIndex.point(0), NDArrayIndex.interval(3, 7))
                        .reshape(4, 1))
                .muli(0.5);
        for (int i = 0; i < 5; i++) assertEquals(want.getDouble(i), y.getDouble(7 + i), 1e-12);
        Blas.gemvAt(true, 5, 4, 12, cache, 6, x, 0, 1.0, y, 0); // y[0..4) = blockᵀ·x[0..5)
        INDArray wantT = block.transpose()
                .mmul(x.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, 5)).reshape(5, 1));
        for (int i = 0; i < 4; i++) assertEquals(wantT.getDouble(i), y.getDouble(i), 1e-12);
        assertThrows(IndexOutOfBoundsException.class, () -> Blas.gemvAt(false, 6, 4, 12, cache, 6, x, 0, 1, y, 0));
    }
}
