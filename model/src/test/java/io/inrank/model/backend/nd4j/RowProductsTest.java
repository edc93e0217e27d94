package io.inrank.model.backend.nd4j;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The Vector-API few-row products against ND4J's GEMM (the plain reference) on ragged shapes, views and row counts
 * that exercise whole tiles, padded tiles and single rows; and the batch invariance the decoder relies on.
 */
class RowProductsTest {
    private static final Random RND = new Random(7);

    @Test
    void vectorKernelsAreActiveInTheseTests() {
        // the surefire argLine adds the module; without it every test below would pass on the GEMV fallback
        assertTrue(RowProducts.AVAILABLE, "jdk.incubator.vector is not in the boot layer");
    }

    @Test
    void nativeLoadsUseTheFormThisJdkHas() {
        // Java 17-18: ByteBuffer loads; 19+: MemorySegment (the ByteBuffer ones are gone). The build runs these tests
        // on 17 and, where installed, on 25 (the jdk25 profile), so both forms execute.
        int feature = Runtime.version().feature();
        assertEquals(feature <= 18 ? "ByteBuffer" : "MemorySegment", VectorMemory.form(), "Java " + feature);
        assertTrue(VectorMemory.SUPPORTED);
    }

    @Test
    void productsEqualNd4jGemm() {
        int[][] shapes = {{7, 5}, {254, 3072}, {768, 254}, {48, 301}, {33, 47}, {16, 64}, {300, 2}};
        for (int[] kn : shapes) {
            for (boolean tb : new boolean[] {false, true}) {
                for (int m : new int[] {1, 2, 3, 4, 5, 8, 9, 12, 16}) {
                    int k = kn[0], n = kn[1];
                    INDArray a = rand(m, k), b = tb ? rand(n, k) : rand(k, n);
                    INDArray want = Nd4j.zeros(DataType.FLOAT, m, n);
                    Nd4j.gemm(a, b, want, false, tb, 1.0, 0.0);
                    INDArray got = Nd4j.zeros(DataType.FLOAT, m, n);
                    Blas.mm(a, b, got, false, tb, 1.0, 0.0);
                    assertClose(want, got, k, "m=" + m + " k=" + k + " n=" + n + " tb=" + tb);
                }
            }
        }
    }

    @Test
    void viewsAtOffsetsReadAndWriteOnlyTheirElements() {
        int m = 10, k = 40, n = 37;
        INDArray aBuf = rand(1, 1000), bBuf = rand(1, 5000), cBuf = Nd4j.zeros(DataType.FLOAT, 1000);
        INDArray a = aBuf.get(NDArrayIndex.point(0), NDArrayIndex.interval(100, 100 + m * k))
                .reshape('c', m, k);
        INDArray b = bBuf.get(NDArrayIndex.point(0), NDArrayIndex.interval(333, 333 + n * k))
                .reshape('c', n, k);
        INDArray c = cBuf.get(NDArrayIndex.interval(200, 200 + m * n)).reshape('c', m, n);
        Blas.mm(a, b, c, false, true, 1.0, 0.0);
        INDArray want = Nd4j.zeros(DataType.FLOAT, m, n);
        Nd4j.gemm(a.dup('c'), b.dup('c'), want, false, true, 1.0, 0.0);
        assertClose(want, c.dup('c'), k, "views");
        for (int i = 0; i < 1000; i++)
            if (i < 200 || i >= 200 + m * n) assertEquals(0f, cBuf.getFloat(i), "element " + i + " outside c");
    }

    @Test
    void aRowGetsTheSameBitsAloneAsInAnyBatch() {
        int k = 254, n = 301;
        INDArray b = rand(n, k), rows = rand(16, k);
        float[][] alone = new float[16][];
        for (int i = 0; i < 16; i++)
            alone[i] = product(
                    rows.get(NDArrayIndex.interval(i, i + 1), NDArrayIndex.all())
                            .dup('c'),
                    b,
                    true)[0];
        for (int m : new int[] {2, 3, 7, 8, 11, 16}) {
            float[][] batch = product(
                    rows.get(NDArrayIndex.interval(0, m), NDArrayIndex.all()).dup('c'), b, true);
            for (int i = 0; i < m; i++) assertArrayEquals(alone[i], batch[i], "row " + i + " in a batch of " + m);
        }
        // a·W (not the decoder's form): one row goes to GEMV, but any two batches of two or more agree bit for bit
        INDArray w = rand(k, n);
        float[][] eleven = product(
                rows.get(NDArrayIndex.interval(0, 11), NDArrayIndex.all()).dup('c'), w, false);
        for (int m : new int[] {2, 5, 8, 16}) {
            float[][] batch = product(
                    rows.get(NDArrayIndex.interval(0, m), NDArrayIndex.all()).dup('c'), w, false);
            for (int i = 0; i < Math.min(m, 11); i++)
                assertArrayEquals(eleven[i], batch[i], "a·W row " + i + ", batches of 11 and " + m);
        }
    }

    private static float[][] product(INDArray a, INDArray b, boolean tb) {
        INDArray c = Nd4j.zeros(DataType.FLOAT, a.size(0), tb ? b.size(0) : b.size(1));
        Blas.mm(a, b, c, false, tb, 1.0, 0.0);
        return c.toFloatMatrix();
    }

    private static INDArray rand(int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = (float) RND.nextGaussian();
        return Nd4j.create(v, new long[] {rows, cols}, 'c');
    }

    /** float32 sums of k standard-normal products: error grows like √k. */
    private static void assertClose(INDArray want, INDArray got, int k, String what) {
        float[] w = want.dup('c').data().asFloat(), g = got.dup('c').data().asFloat();
        assertEquals(w.length, g.length, what);
        double tol = 1e-5 * Math.sqrt(k) * 4;
        for (int i = 0; i < w.length; i++)
            assertEquals(w[i], g[i], tol * Math.max(1, Math.abs(w[i])), what + " element " + i);
    }
}
