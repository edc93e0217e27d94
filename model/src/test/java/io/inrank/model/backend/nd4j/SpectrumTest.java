package io.inrank.model.backend.nd4j;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class SpectrumTest {

    static INDArray rand(Random r, DataType t, long rows, long cols) {
        INDArray a = Nd4j.create(t, rows, cols);
        for (long i = 0; i < a.length(); i++) a.putScalar(i, r.nextGaussian() / Math.sqrt(cols));
        return a;
    }

    @Test
    void qrSpectrumEqualsFullSvdOfTheProduct() {
        Random rnd = new Random(5);
        for (int[] s : new int[][] {{64, 256, 20}, {256, 64, 31}, {128, 512, 64}}) {
            INDArray a = rand(rnd, DataType.FLOAT, s[2], s[0]), bt = rand(rnd, DataType.FLOAT, s[2], s[1]);
            double[] fast = Spectrum.singularValues(a, bt), ref = Spectrum.denseSingularValues(a, bt);
            assertEquals(Math.min(s[0], s[1]), fast.length);
            for (int i = 0; i < fast.length; i++) {
                assertEquals(ref[i], fast[i], 1e-4 * ref[0], "σ" + i + " of " + java.util.Arrays.toString(s));
                if (i >= s[2]) assertEquals(0.0, fast[i], "zero-padded beyond k");
            }
            for (int i = 1; i < s[2]; i++) assertTrue(fast[i - 1] >= fast[i], "descending");
        }
    }

    @Test
    void truncationIsTheBestRankRApproximation() {
        Random rnd = new Random(6);
        int in = 48, out = 96, k = 20, r = 7;
        INDArray a = rand(rnd, DataType.DOUBLE, k, in), bt = rand(rnd, DataType.DOUBLE, k, out);
        INDArray w = a.transpose().mmul(bt);
        INDArray[] f = Spectrum.truncate(a, bt, r);
        assertArrayEquals(new long[] {r, in}, f[0].shape());
        assertArrayEquals(new long[] {r, out}, f[1].shape());
        INDArray wr = f[0].transpose().mmul(f[1]);
        double[] s = Spectrum.denseSingularValues(a, bt);
        // Eckart–Young: ‖W − W_r‖_F² = Σ_{i>r} σ_i², and W_r keeps exactly the top r values
        double tail = 0;
        for (int i = r; i < s.length; i++) tail += s[i] * s[i];
        double resid = w.sub(wr).norm2Number().doubleValue();
        assertEquals(Math.sqrt(tail), resid, 1e-10);
        double[] sr = Spectrum.singularValues(f[0], f[1]);
        for (int i = 0; i < r; i++) assertEquals(s[i], sr[i], 1e-10);
        // balanced: both factors carry √σ per mode
        for (int i = 0; i < r; i++) {
            assertEquals(Math.sqrt(s[i]), f[0].getRow(i).norm2Number().doubleValue(), 1e-10);
            assertEquals(Math.sqrt(s[i]), f[1].getRow(i).norm2Number().doubleValue(), 1e-10);
        }
        assertNotNull(a.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()));
    }
}
