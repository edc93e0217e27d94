package io.inrank.model;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.TestBackends;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole model's backward against central finite differences of its loss, in float64, every parameter, on every
 * backend (the reference included: this is how the oracle itself is checked).
 */
class ModelGradientTest {

    static Stream<Backend> backends() {
        return TestBackends.all();
    }

    static GptConfig small(GptConfig.Mode mode) {
        return new GptConfig(11, 6, 2, 2, 8, mode, true, 0.0, 1e-5);
    }

    /** With {@code train}, dropout is on; the masks depend only on the dropout step, fixed here, so differences see them fixed. */
    static double check(GptModel model, int[] ids, int[] tg, boolean train) {
        Params p = model.params();
        Backend be = model.backend();
        p.zeroGrad();
        model.setDropoutStep(99);
        model.forward(ids, tg, train);
        model.backward(1.0);
        double[] analytic = be.toHost(p.grads()), values = be.toHost(p.values());
        double eps = 1e-6, worst = 0;
        for (int i = 0; i < values.length; i++) {
            double orig = values[i];
            values[i] = orig + eps;
            be.fromHost(p.values(), values);
            double plus = model.forward(ids, tg, train);
            values[i] = orig - eps;
            be.fromHost(p.values(), values);
            double minus = model.forward(ids, tg, train);
            values[i] = orig;
            double num = (plus - minus) / (2 * eps), a = analytic[i];
            double err = Math.abs(a - num)
                    / Math.max(1e-4, Math.abs(a) + Math.abs(num)); // differences' noise: ~6e-6 at gradients near 1e-5
            worst = Math.max(worst, err);
            if (err > 1e-5)
                fail(String.format("%s: param %s: analytic %.8g vs numeric %.8g", be.name(), nameOf(p, i), a, num));
        }
        be.fromHost(p.values(), values);
        System.out.printf(
                "model gradient %s: worst rel err %.2e over %d parameters%n", be.name(), worst, values.length);
        return worst;
    }

    static String nameOf(Params p, long i) {
        for (Params.Entry t : p.all().values())
            if (i >= t.offset() && i < t.offset() + t.length()) return t.name() + "[" + (i - t.offset()) + "]";
        return "?";
    }

    static int[][] batch(Random r, int n, int vocab) {
        return new int[][] {r.ints(n, 0, vocab).toArray(), r.ints(n, 0, vocab).toArray()};
    }

    @ParameterizedTest
    @MethodSource("backends")
    void fullRankModel(Backend be) {
        GptModel m = new GptModel(be, small(GptConfig.Mode.FULL), 2, 5, DType.F64, 1, null);
        int[][] b = batch(new Random(3), 10, 11);
        check(m, b[0], b[1], false);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void inRankModelWithFewerActiveModesThanStored(Backend be) {
        GptModel m = new GptModel(be, small(GptConfig.Mode.INRANK), 2, 5, DType.F64, 2, null);
        assertEquals(4, m.config().maxRank());
        m.setActiveModes(0, 2);
        m.setActiveModes(1, 3);
        m.setActiveModes(2, 1);
        m.setActiveModes(3, 4);
        int[][] b = batch(new Random(4), 10, 11);
        check(m, b[0], b[1], false);
        // inactive modes get exactly zero gradient (so AdamW only decays them)
        double[] dA = be.toHost(m.params().grad("h.0.mlp.fc1.A")); // [4, 8]: rows 2, 3 inactive
        for (int i = 16; i < 32; i++) assertEquals(0.0, dA[i], "inactive mode gradient");
        assertNotEquals(0.0, java.util.Arrays.stream(dA, 0, 8).map(Math::abs).sum());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void withDropoutOnEmbeddingsAttentionAndResiduals(Backend be) {
        GptModel m = new GptModel(be, small(GptConfig.Mode.INRANK).withDropout(0.2), 2, 5, DType.F64, 6, null);
        int[][] b = batch(new Random(6), 10, 11);
        check(m, b[0], b[1], true);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void parameterViewsShareTheFlatBuffers(Backend be) {
        GptModel m = new GptModel(be, small(GptConfig.Mode.INRANK), 1, 3, DType.F64, 5, null);
        Params.Entry t = m.params().get("h.1.mlp.fc2.Bt");
        double[] v = be.toHost(t.value());
        v[1 * 8 + 2] = 123.0;
        be.fromHost(t.value(), v);
        assertEquals(123.0, be.toHost(m.params().values())[(int) t.offset() + 1 * 8 + 2]);
        double[] g = new double[(int) t.length()];
        g[0] = 7.0;
        be.fromHost(t.grad(), g);
        assertEquals(7.0, be.toHost(m.params().grads())[(int) t.offset()]);
    }
}
