package io.inrank.model;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.TestBackends;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OptimizerTest {

    @Test
    void linearScheduleStartsAtZeroAndCosineHalvesAtTheMiddle() {
        LrSchedule lin = new LrSchedule(6e-4, 225, 22_500, false);
        assertEquals(0.0, lin.at(0)); // the paper's first update has lr 0
        assertEquals(6e-4 * 100 / 225, lin.at(100), 1e-18);
        assertEquals(6e-4, lin.at(225), 1e-18);
        assertEquals(6e-4 / 2, lin.at(225 + (22_500 - 225) / 2), 1e-7); // (integer midpoint)
        assertEquals(0.0, lin.at(22_500));
        assertEquals(0.0, lin.at(30_000));
        LrSchedule cos = new LrSchedule(1.0, 10, 110, true);
        assertEquals(0.5, cos.at(60), 1e-12);
        assertEquals(1.0, cos.at(10), 1e-12);
    }

    @Test
    void gradientAccumulationOverMicroBatchesEqualsOneBigBatch() {
        Backend be = TestBackends.nd4j();
        GptConfig cfg = new GptConfig(30, 8, 2, 2, 8, GptConfig.Mode.INRANK, true, 0.0, 1e-5);
        GptModel big = new GptModel(be, cfg, 4, 6, DType.F64, 3, null);
        GptModel micro = new GptModel(be, cfg, 2, 6, DType.F64, 3, null);
        be.copy(big.params().values(), micro.params().values());
        Random r = new Random(9);
        int[] ids = r.ints(24, 0, 30).toArray(), tg = r.ints(24, 0, 30).toArray();
        big.params().zeroGrad();
        big.forward(ids, tg, false);
        big.backward(1.0);
        micro.params().zeroGrad();
        for (int half = 0; half < 2; half++) {
            micro.forward(
                    Arrays.copyOfRange(ids, 12 * half, 12 * half + 12),
                    Arrays.copyOfRange(tg, 12 * half, 12 * half + 12),
                    false);
            micro.backward(0.5); // mean over the accumulated micro-batches
        }
        double d = TestBackends.maxAbs(
                be.toHost(big.params().grads()), be.toHost(micro.params().grads()));
        assertTrue(d < 1e-14, "max |Δgrad| " + d);
    }

    @Test
    void clippingScalesToTheMaxNormAndAdamWDecaysOnlyWeights() {
        Backend be = TestBackends.nd4j();
        GptConfig cfg = new GptConfig(30, 8, 1, 2, 8, GptConfig.Mode.FULL, true, 0.0, 1e-5);
        GptModel m = new GptModel(be, cfg, 1, 4, DType.F64, 3, null);
        be.fill(m.params().grads(), 1.0);
        double before = AdamW.clipGradNorm(m.params(), 1.0);
        assertEquals(Math.sqrt(m.params().count()), before, 1e-9);
        assertEquals(1.0, be.norm2(m.params().grads()), 1e-6);
        // zero gradients: the update is pure decoupled decay, on decayed tensors only
        m.params().zeroGrad();
        double[] w0 = be.toHost(m.params().value("h.0.attn.c_attn.weight")),
                e0 = be.toHost(m.params().value("wte"));
        new AdamW(m.params(), 0.9, 0.999, 1e-8, 0.1).step(0.5);
        double[] w1 = be.toHost(m.params().value("h.0.attn.c_attn.weight"));
        for (int i = 0; i < w0.length; i++) assertEquals(w0[i] * (1 - 0.5 * 0.1), w1[i], 0.0);
        assertArrayEquals(e0, be.toHost(m.params().value("wte")));
    }
}
