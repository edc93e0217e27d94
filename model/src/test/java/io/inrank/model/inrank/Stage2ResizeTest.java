package io.inrank.model.inrank;

import io.inrank.model.AdamW;
import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.Params;
import org.junit.jupiter.api.Test;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.nd4j.Spectrum;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Random;

import static io.inrank.model.Nd.nd;
import static org.junit.jupiter.api.Assertions.*;

class Stage2ResizeTest {

    @Test
    void lossAfterResizeEqualsTheTruncatedModelsAndMomentsAreSliced() {
        GptConfig cfg = new GptConfig(50, 16, 2, 2, 16, GptConfig.Mode.INRANK_EFFICIENT, true, 0.0, 1e-5);
        GptModel m = new GptModel(cfg, 2, 8, DType.F64, 7);
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
        for (int i = 0; i < 4; i++) {
            String p = GptModel.inRankName(i);
            INDArray2 old = new INDArray2(m.params(), p, active[i]);
            var f = Spectrum.truncate(old.a, old.bt, ranks[i]);
            nd(m.params().value(p + ".A")).get(NDArrayIndex.interval(0, ranks[i]), NDArrayIndex.all()).assign(f[0]);
            nd(m.params().value(p + ".Bt")).get(NDArrayIndex.interval(0, ranks[i]), NDArrayIndex.all()).assign(f[1]);
            m.setActiveModes(i, ranks[i]);
        }
        double truncated = m.forward(ids, tg, false);
        assertEquals(truncated, after, 1e-12);
        assertNotEquals(before, after, "buffer modes really were dropped");

        // shapes, parameter count, optimizer state
        assertArrayEquals(new long[]{3, 16}, z.model().params().get("h.0.mlp.fc1.A").shape());
        assertArrayEquals(new long[]{5, 16}, z.model().params().get("h.1.mlp.fc2.Bt").shape());
        assertTrue(z.model().params().count() < m.params().count());
        assertEquals(3, z.optimizer().stepCount());
        Params.Entry oldA = m.params().get("h.1.mlp.fc1.A"), newA = z.model().params().get("h.1.mlp.fc1.A");
        assertEquals(nd(opt.moment(oldA, true)).get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()), nd(z.optimizer().moment(newA, true)));
        assertEquals(nd(opt.moment(oldA, false)).get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()), nd(z.optimizer().moment(newA, false)));
        Params.Entry oldLn = m.params().get("h.0.ln_1.weight"), newLn = z.model().params().get("h.0.ln_1.weight");
        assertEquals(nd(opt.moment(oldLn, true)), nd(z.optimizer().moment(newLn, true)));

        // and training continues
        z.model().params().zeroGrad();
        z.model().forward(ids, tg, false);
        z.model().backward(1.0);
        z.optimizer().step(1e-2);
        assertTrue(z.model().forward(ids, tg, false) < after, "loss still falls in stage 2");
    }

    /** The active part of one layer's factors. */
    record INDArray2(org.nd4j.linalg.api.ndarray.INDArray a, org.nd4j.linalg.api.ndarray.INDArray bt) {
        INDArray2(Params p, String name, int k) {
            this(nd(p.value(name + ".A")).get(NDArrayIndex.interval(0, k), NDArrayIndex.all()).dup(),
                    nd(p.value(name + ".Bt")).get(NDArrayIndex.interval(0, k), NDArrayIndex.all()).dup());
        }
    }
}
