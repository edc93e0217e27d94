package io.inrank.model.backend.nd4j;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The float32 vector LayerNorm against the float64 loop (the reference), with a ragged row length; rows alone = in a batch. */
class LayerNormVectorTest {
    @Test
    void matchesTheDoubleLoopAndARowIsTheSameAloneOrInABatch() {
        Random rnd = new Random(4);
        for (int c : new int[] {768, 37}) {
            int n = 9;
            float[] v = new float[n * c], gv = new float[c], bv = new float[c];
            for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() * 3 + 1);
            for (int j = 0; j < c; j++) {
                gv[j] = (float) rnd.nextGaussian();
                bv[j] = (float) rnd.nextGaussian();
            }
            INDArray x = Nd4j.create(v, new long[] {n, c}, 'c'),
                    g = Nd4j.create(gv, new long[] {c}, 'c'),
                    b = Nd4j.create(bv, new long[] {c}, 'c');
            INDArray y = Nd4j.zeros(DataType.FLOAT, n, c),
                    mean = Nd4j.zeros(DataType.FLOAT, n),
                    rstd = Nd4j.zeros(DataType.FLOAT, n);
            assertTrue(RowProducts.AVAILABLE, "the vector path must be the one tested");
            LayerNorm.forward(x, g, b, 1e-5, y, mean, rstd);
            INDArray yd = Nd4j.zeros(DataType.DOUBLE, n, c),
                    md = Nd4j.zeros(DataType.DOUBLE, n),
                    rd = Nd4j.zeros(DataType.DOUBLE, n);
            LayerNorm.forward(
                    x.castTo(DataType.DOUBLE), g.castTo(DataType.DOUBLE), b.castTo(DataType.DOUBLE), 1e-5, yd, md, rd);
            for (int i = 0; i < n; i++) {
                assertEquals(md.getDouble(i), mean.getFloat(i), 1e-5, "mean, row " + i);
                assertEquals(rd.getDouble(i), rstd.getFloat(i), 1e-5 * rd.getDouble(i), "rstd, row " + i);
                for (int j = 0; j < c; j++)
                    assertEquals(
                            yd.getDouble(i, j),
                            y.getFloat(i, j),
                            2e-5 * (1 + Math.abs(yd.getDouble(i, j))),
                            "y " + i + "," + j);
            }
            for (int i : new int[] {0, 5, n - 1}) { // row i alone, read through a view at an offset
                INDArray xi = x.get(NDArrayIndex.interval(i, i + 1), NDArrayIndex.all()),
                        yi = Nd4j.zeros(DataType.FLOAT, 1, c);
                LayerNorm.forward(xi, g, b, 1e-5, yi, Nd4j.zeros(DataType.FLOAT, 1), Nd4j.zeros(DataType.FLOAT, 1));
                assertArrayEquals(
                        y.get(NDArrayIndex.interval(i, i + 1), NDArrayIndex.all())
                                .dup('c')
                                .data()
                                .asFloat(),
                        yi.data().asFloat(),
                        "row " + i + " alone, c=" + c);
            }
        }
    }
}
