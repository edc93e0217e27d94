package io.inrank.model.inrank;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.Tensor;
import io.inrank.model.backend.TestBackends;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DenseTwinTest {
    @Test
    void denseWeightsAreTheFactorProductsAndTheRestIsCopied() {
        GptConfig cfg = new GptConfig(50, 16, 2, 2, 16, GptConfig.Mode.INRANK, true, 0.0, 1e-5);
        GptModel m = new GptModel(TestBackends.nd4j(), cfg, 2, 8, DType.F64, 3, null);
        int[] active = {6, 7, 5, 8};
        for (int i = 0; i < 4; i++) m.setActiveModes(i, active[i]);
        GptModel dense = DenseTwin.of(m);
        assertFalse(dense.config().lowRank());
        Backend be = m.backend();
        Random r = new Random(2);
        for (int layer = 0; layer < 4; layer++) {
            String f = GptModel.inRankName(layer), d = f.replace("fc1", "c_fc").replace("fc2", "c_proj");
            int in = layer % 2 == 0 ? 16 : 64, out = layer % 2 == 0 ? 64 : 16;
            Tensor x = be.zeros(DType.F64, 3, in),
                    h = be.zeros(DType.F64, 3, active[layer]),
                    yF = be.zeros(DType.F64, 3, out),
                    yD = be.zeros(DType.F64, 3, out);
            be.fromHost(x, r.doubles(3L * in, -1, 1).toArray());
            be.inRankForward(
                    x,
                    be.rows(m.params().value(f + ".A"), active[layer]),
                    be.rows(m.params().value(f + ".Bt"), active[layer]),
                    m.params().value(f + ".bias"),
                    h,
                    yF);
            be.linearForward(
                    x, dense.params().value(d + ".weight"), dense.params().value(d + ".bias"), yD);
            double[] a = be.toHost(yF), b = be.toHost(yD);
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-12, f + " output " + i);
        }
        for (String name : new String[] {"wte", "wpe", "h.1.attn.c_attn.weight", "h.0.ln_2.bias", "ln_f.weight"}) {
            assertArrayEquals(
                    be.toHost(m.params().value(name)), be.toHost(dense.params().value(name)), name);
        }
        int[] ids = r.ints(16, 0, 50).toArray(), tg = r.ints(16, 0, 50).toArray();
        assertFalse(dense.config().tanhGelu(), "the twin keeps the factored model's exact GELU");
        assertEquals(m.forward(ids, tg, false), dense.forward(ids, tg, false), 1e-12, "the same function");
        double[] a = be.toHost(m.logits()), b = be.toHost(dense.logits());
        for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-12, "logit " + i);
    }

    @Test
    void refusesADenseModel() {
        GptModel d = new GptModel(
                TestBackends.nd4j(),
                new GptConfig(50, 16, 2, 2, 16, GptConfig.Mode.FULL, true, 0.0, 1e-5),
                1,
                4,
                DType.F64,
                1,
                null);
        assertThrows(IllegalArgumentException.class, () -> DenseTwin.of(d));
    }
}
