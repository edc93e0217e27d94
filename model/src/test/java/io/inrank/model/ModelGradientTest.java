package io.inrank.model;

import org.junit.jupiter.api.Test;
import io.inrank.model.backend.DType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Random;

import static io.inrank.model.Nd.nd;
import static org.junit.jupiter.api.Assertions.*;

/** The whole model's backward against finite differences of its loss, in double precision, every parameter. */
class ModelGradientTest {

    static GptConfig small(GptConfig.Mode mode) {
        return new GptConfig(11, 6, 2, 2, 8, mode, true, 0.0, 1e-5);
    }

    static double check(GptModel model, int[] ids, int[] tg) {
        return check(model, ids, tg, false);
    }

    /** With {@code train}, dropout is on; reseeding before every forward keeps the masks fixed for the differences. */
    static double check(GptModel model, int[] ids, int[] tg, boolean train) {
        Params p = model.params();
        p.zeroGrad();
        model.reseedDropout(99);
        model.forward(ids, tg, train);
        model.backward(1.0);
        INDArray analytic = nd(p.grads()).dup();
        INDArray values = nd(p.values());
        double eps = 1e-6, worst = 0;
        for (long i = 0; i < values.length(); i++) {
            double orig = values.getDouble(i);
            values.putScalar(i, orig + eps);
            model.reseedDropout(99);
            double plus = model.forward(ids, tg, train);
            values.putScalar(i, orig - eps);
            model.reseedDropout(99);
            double minus = model.forward(ids, tg, train);
            values.putScalar(i, orig);
            double num = (plus - minus) / (2 * eps), a = analytic.getDouble(i);
            double err = Math.abs(a - num) / Math.max(1e-4, Math.abs(a) + Math.abs(num));
            worst = Math.max(worst, err);
            if (err > 1e-5) fail(String.format("param %s: analytic %.8g vs numeric %.8g", nameOf(p, i), a, num));
        }
        return worst;
    }

    static String nameOf(Params p, long i) {
        for (Params.Entry t : p.all().values()) if (i >= t.offset() && i < t.offset() + t.length()) return t.name() + "[" + (i - t.offset()) + "]";
        return "?";
    }

    static int[][] batch(Random r, int n, int vocab) {
        int[] ids = new int[n], tg = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(vocab);
            tg[i] = r.nextInt(vocab);
        }
        return new int[][]{ids, tg};
    }

    @Test
    void fullRankModel() {
        GptModel m = new GptModel(small(GptConfig.Mode.FULL), 2, 5, DType.F64, 1);
        int[][] b = batch(new Random(3), 10, 11);
        check(m, b[0], b[1]);
    }

    @Test
    void inRankModelWithFewerActiveModesThanStored() {
        GptModel m = new GptModel(small(GptConfig.Mode.INRANK), 2, 5, DType.F64, 2);
        assertEquals(4, m.config().maxRank());
        m.setActiveModes(0, 2);
        m.setActiveModes(1, 3);
        m.setActiveModes(2, 1);
        m.setActiveModes(3, 4);
        int[][] b = batch(new Random(4), 10, 11);
        check(m, b[0], b[1]);
        // inactive modes get exactly zero gradient (so AdamW only decays them)
        INDArray dA = nd(m.params().grad("h.0.mlp.fc1.A"));
        assertEquals(0.0, dA.get(NDArrayIndex.interval(2, 4), NDArrayIndex.all()).norm2Number().doubleValue());
        assertTrue(dA.getRow(0).norm2Number().doubleValue() > 0);
    }

    @Test
    void withDropoutOnEmbeddingsAttentionAndResiduals() {
        GptModel m = new GptModel(small(GptConfig.Mode.INRANK).withDropout(0.2), 2, 5, DType.F64, 6);
        int[][] b = batch(new Random(6), 10, 11);
        check(m, b[0], b[1], true);
    }

    @Test
    void gemmAttentionPathGivesTheSameModel() {
        int[][] b = batch(new Random(5), 10, 11);
        double[] loss = new double[2];
        INDArray[] grads = new INDArray[2];
        for (int i = 0; i < 2; i++) {
            System.setProperty("inrank.attention", i == 0 ? "loop" : "gemm");
            try {
                GptModel m = new GptModel(small(GptConfig.Mode.INRANK), 2, 5, DType.F64, 11);
                m.params().zeroGrad();
                loss[i] = m.forward(b[0], b[1], false);
                m.backward(1.0);
                grads[i] = nd(m.params().grads()).dup();
            } finally {
                System.clearProperty("inrank.attention");
            }
        }
        assertEquals(loss[0], loss[1], 1e-13);
        assertTrue(grads[0].equalsWithEps(grads[1], 1e-12));
    }

    @Test
    void parameterViewsShareTheFlatBuffers() {
        GptModel m = new GptModel(small(GptConfig.Mode.INRANK), 1, 3, DType.F64, 5);
        Params.Entry t = m.params().get("h.1.mlp.fc2.Bt");
        nd(t.value()).putScalar(new long[]{1, 2}, 123.0);
        assertEquals(123.0, nd(m.params().values()).getDouble(t.offset() + 1 * 8 + 2));
        nd(t.grad()).putScalar(new long[]{0, 0}, 7.0);
        assertEquals(7.0, nd(m.params().grads()).getDouble(t.offset()));
        Nd4j.getRandom();
    }
}
