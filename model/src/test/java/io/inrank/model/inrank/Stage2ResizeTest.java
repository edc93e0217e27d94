package io.inrank.model.inrank;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.model.AdamW;
import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.Params;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.Tensor;
import io.inrank.model.backend.TestBackends;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class Stage2ResizeTest {

    static Stream<Backend> backends() {
        return TestBackends.all();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void lossAfterResizeEqualsTheTruncatedModelsAndMomentsAreSliced(Backend be) {
        GptConfig cfg = new GptConfig(50, 16, 2, 2, 16, GptConfig.Mode.INRANK_EFFICIENT, true, 0.0, 1e-5);
        GptModel m = new GptModel(be, cfg, 2, 8, DType.F64, 7, null);
        int[] active = {6, 7, 5, 8}, ranks = {3, 4, 2, 5};
        for (int i = 0; i < 4; i++) m.setActiveModes(i, active[i]);
        Random r = new Random(1);
        int[] ids = r.ints(16, 0, 50).toArray(), tg = r.ints(16, 0, 50).toArray();
        AdamW opt = AdamW.paperDefaults(m.params());
        for (int s = 0; s < 3; s++) { // some optimizer history
            m.params().zeroGrad();
            m.forward(ids, tg, false);
            m.backward(1.0);
            opt.step(1e-2);
        }
        double before = m.forward(ids, tg, false);

        Stage2Resize.Resized z = Stage2Resize.resize(m, opt, ranks, 7);
        double after = z.model().forward(ids, tg, false);

        // the truncated model, built independently: the old model's factors replaced in place by their truncation
        double[][] oldMomentA = {
            be.toHost(opt.moment(m.params().get("h.1.mlp.fc1.A"), true)),
            be.toHost(opt.moment(m.params().get("h.1.mlp.fc1.A"), false))
        };
        for (int i = 0; i < 4; i++) {
            String p = GptModel.inRankName(i);
            Tensor a = m.params().value(p + ".A"), bt = m.params().value(p + ".Bt");
            Tensor[] f = be.truncate(be.rows(a, active[i]), be.rows(bt, active[i]), ranks[i]);
            be.copy(f[0], be.rows(a, ranks[i]));
            be.copy(f[1], be.rows(bt, ranks[i]));
            m.setActiveModes(i, ranks[i]);
        }
        double truncated = m.forward(ids, tg, false);
        assertEquals(truncated, after, 1e-12);
        assertNotEquals(before, after, "buffer modes really were dropped");

        // shapes, parameter count, optimizer state
        assertArrayEquals(
                new long[] {3, 16}, z.model().params().get("h.0.mlp.fc1.A").shape());
        assertArrayEquals(
                new long[] {5, 16}, z.model().params().get("h.1.mlp.fc2.Bt").shape());
        assertTrue(z.model().params().count() < m.params().count());
        assertEquals(3, z.optimizer().stepCount());
        Params.Entry newA = z.model().params().get("h.1.mlp.fc1.A"); // rank 2 of 16 columns: the first 32 values
        assertArrayEquals(
                Arrays.copyOf(oldMomentA[0], 32), be.toHost(z.optimizer().moment(newA, true)));
        assertArrayEquals(
                Arrays.copyOf(oldMomentA[1], 32), be.toHost(z.optimizer().moment(newA, false)));
        Params.Entry oldLn = m.params().get("h.0.ln_1.weight"),
                newLn = z.model().params().get("h.0.ln_1.weight");
        assertArrayEquals(
                be.toHost(opt.moment(oldLn, true)), be.toHost(z.optimizer().moment(newLn, true)));

        // and training continues
        z.model().params().zeroGrad();
        z.model().forward(ids, tg, false);
        z.model().backward(1.0);
        z.optimizer().step(1e-2);
        assertTrue(z.model().forward(ids, tg, false) < after, "loss still falls in stage 2");
    }
}
