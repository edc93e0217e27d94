package io.inrank.model.backend.nd4j;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.*;

/** The direct BLAS paths on views of shared buffers (the decoder's step buffers): right elements, nothing else touched. */
class BlasTest {
    @Test
    void residualAddOnOffsetViewsTouchesOnlyTheView() {
        for (DataType t : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            INDArray dstBuf = Nd4j.arange(0, 100).castTo(t), srcBuf = Nd4j.arange(1000, 1100).castTo(t);
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
        for (boolean tb : new boolean[]{false, true}) {
            INDArray a = Nd4j.rand(DataType.DOUBLE, 1, 7), b = tb ? Nd4j.rand(DataType.DOUBLE, 5, 7) : Nd4j.rand(DataType.DOUBLE, 7, 5);
            INDArray buf = Nd4j.zeros(DataType.DOUBLE, 20), c = buf.get(NDArrayIndex.interval(10, 15)).reshape('c', 1, 5);
            Blas.mm(a, b, c, false, tb, 1.0, 0.0);
            INDArray want = Nd4j.zeros(DataType.DOUBLE, 1, 5);
            Nd4j.gemm(a, b, want, false, tb, 1.0, 0.0);
            for (int j = 0; j < 5; j++) assertEquals(want.getDouble(j), buf.getDouble(10 + j), 1e-12);
            assertEquals(0.0, buf.getDouble(9));
            assertEquals(0.0, buf.getDouble(15));
        }
    }
}
