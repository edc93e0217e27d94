package io.inrank.model.backend.nd4j;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The Vector-API decode attention (its own cache layout) against the plain causal attention of the training forward
 * (float64) at every position, on head widths of one, two and four vectors and contexts that end inside a group of
 * tiles; its independence from how heads are split; and the vector GELU against the precise one.
 */
class CachedAttentionTest {
    private static final Random RND = new Random(11);

    @Test
    void decodingEveryPositionEqualsFullCausalAttention() {
        int l = RowKernels.L;
        for (int[] shape : new int[][] {{12, 4 * l}, {4, 2 * l}, {6, l}}) {
            int heads = shape[0],
                    hd = shape[1],
                    c = heads * hd,
                    ctx = 6 * l,
                    seq = 5 * l + 3; // 6 tiles; stops inside the second group of 4
            double scale = 0.7 / Math.sqrt(hd);
            INDArray qkv = rand(seq, 3 * c);
            INDArray want = Nd4j.zeros(DataType.DOUBLE, seq, c);
            FlashAttention.forward(
                    qkv.castTo(DataType.DOUBLE),
                    want,
                    Nd4j.zeros(DataType.DOUBLE, 1, heads, seq),
                    1,
                    heads,
                    scale,
                    0,
                    null);
            INDArray k = Nd4j.zeros(DataType.FLOAT, 2, ctx, c),
                    v = Nd4j.zeros(DataType.FLOAT, 2, ctx, c),
                    y = Nd4j.zeros(DataType.FLOAT, 1, c);
            INDArray row0 = qkv.get(NDArrayIndex.interval(0, 1), NDArrayIndex.all());
            assertTrue(
                    CachedAttention.accepts(row0, k, v, y, heads),
                    "the vector path must take " + heads + " heads of " + hd);
            for (int t = 0; t < seq; t++) {
                DecodeAttention.forward(
                        qkv.get(NDArrayIndex.interval(t, t + 1), NDArrayIndex.all())
                                .dup('c'),
                        k,
                        v,
                        new int[] {1},
                        new int[] {t},
                        1,
                        heads,
                        scale,
                        y);
                for (int j = 0; j < c; j++) {
                    assertEquals(
                            want.getDouble(t, j),
                            y.getFloat(0, j),
                            2e-6 + 2e-6 * Math.abs(want.getDouble(t, j)),
                            heads + "×" + hd + " position " + t + " column " + j);
                }
            }
            INDArray last =
                    qkv.get(NDArrayIndex.interval(0, 1), NDArrayIndex.all()).dup('c');
            assertThrows(
                    IllegalArgumentException.class,
                    () -> DecodeAttention.forward(last, k, v, new int[] {0}, new int[] {ctx}, 1, heads, scale, y),
                    "past the cache");
        }
    }

    @Test
    void headsGiveTheSameBitsOnTheTeamAsInlineInOneThread() {
        int heads = 12, hd = 4 * RowKernels.L, c = heads * hd, ctx = 4 * RowKernels.L, seq = 3 * RowKernels.L + 5;
        INDArray qkv = rand(seq, 3 * c);
        INDArray k1 = Nd4j.zeros(DataType.FLOAT, 1, ctx, c),
                v1 = Nd4j.zeros(DataType.FLOAT, 1, ctx, c),
                y1 = Nd4j.zeros(DataType.FLOAT, 1, c);
        INDArray k2 = Nd4j.zeros(DataType.FLOAT, 1, ctx, c),
                v2 = Nd4j.zeros(DataType.FLOAT, 1, ctx, c),
                y2 = Nd4j.zeros(DataType.FLOAT, 1, c);
        for (int t = 0; t < seq; t++) {
            INDArray row =
                    qkv.get(NDArrayIndex.interval(t, t + 1), NDArrayIndex.all()).dup('c');
            int[] slot = {0}, pos = {t};
            DecodeAttention.forward(row, k1, v1, slot, pos, 1, heads, 0.125, y1); // heads split over the team
            WorkerTeam.SHARED.run(
                    WorkerTeam.SHARED.size(),
                    part -> { // nested: every head inline here
                        if (part == 0) DecodeAttention.forward(row, k2, v2, slot, pos, 1, heads, 0.125, y2);
                    });
            assertArrayEquals(y1.data().asFloat(), y2.data().asFloat(), "position " + t);
        }
    }

    @Test
    void vectorGeluMatchesThePreciseOneAndDoesNotDependOnTheCut() {
        for (boolean tanh : new boolean[] {false, true}) {
            int n = 70_001; // two parts on two cores, a masked tail
            INDArray x = rand(1, n).muli(3f),
                    y = Nd4j.zeros(DataType.FLOAT, 1, n),
                    ref = Nd4j.zeros(DataType.DOUBLE, 1, n);
            Gelu.forward(x, y, tanh);
            Gelu.forward(x.castTo(DataType.DOUBLE), ref, tanh);
            for (int i = 0; i < n; i++) {
                double w = ref.getDouble(0, i);
                assertEquals(
                        w,
                        y.getFloat(0, i),
                        3e-7 + 1e-6 * Math.abs(w),
                        (tanh ? "tanh" : "exact") + " GELU at " + x.getFloat(0, i));
            }
            for (int at : new int[] {0, 17, n - 3}) { // one value alone: the same bits
                INDArray
                        one =
                                x.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(at, at + 1))
                                        .dup('c'),
                        out = Nd4j.zeros(DataType.FLOAT, 1, 1);
                Gelu.forward(one, out, tanh);
                assertEquals(
                        Float.floatToIntBits(y.getFloat(0, at)),
                        Float.floatToIntBits(out.getFloat(0)),
                        "value " + at + " alone");
            }
        }
    }

    private static INDArray rand(int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = (float) RND.nextGaussian();
        return Nd4j.create(v, new long[] {rows, cols}, 'c');
    }
}
