package io.inrank.model;

import org.junit.jupiter.api.Test;
import io.inrank.model.backend.DType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Random;

import static io.inrank.model.Nd.nd;
import static org.junit.jupiter.api.Assertions.*;

class OptimizerTest {

    @Test
    void linearScheduleStartsAtZeroAndCosineHalvesAtTheMiddle() {
        LrSchedule lin = new LrSchedule(6e-4, 225, 22_500, false);
        assertEquals(0.0, lin.at(0));                       // the paper's first update has lr 0
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
        GptConfig cfg = new GptConfig(30, 8, 2, 2, 8, GptConfig.Mode.INRANK, true, 0.0, 1e-5);
        GptModel big = new GptModel(cfg, 4, 6, DType.F64, 3);
        GptModel micro = new GptModel(cfg, 2, 6, DType.F64, 3);
        nd(micro.params().values()).assign(nd(big.params().values()));
        Random r = new Random(9);
        int[] ids = r.ints(24, 0, 30).toArray(), tg = r.ints(24, 0, 30).toArray();
        big.params().zeroGrad();
        big.forward(ids, tg, false);
        big.backward(1.0);
        micro.params().zeroGrad();
        for (int half = 0; half < 2; half++) {
            micro.forward(Arrays.copyOfRange(ids, 12 * half, 12 * half + 12), Arrays.copyOfRange(tg, 12 * half, 12 * half + 12), false);
            micro.backward(0.5); // mean over the accumulated micro-batches
        }
        INDArray d = nd(big.params().grads()).sub(nd(micro.params().grads()));
        assertTrue(d.amaxNumber().doubleValue() < 1e-14, "max |Δgrad| " + d.amaxNumber());
    }

    @Test
    void clippingScalesToTheMaxNormAndAdamWDecaysOnlyWeights() {
        GptConfig cfg = new GptConfig(30, 8, 1, 2, 8, GptConfig.Mode.FULL, true, 0.0, 1e-5);
        GptModel m = new GptModel(cfg, 1, 4, DType.F64, 3);
        nd(m.params().grads()).assign(1.0);
        double before = AdamW.clipGradNorm(m.params(), 1.0);
        assertEquals(Math.sqrt(m.params().count()), before, 1e-9);
        assertEquals(1.0, nd(m.params().grads()).norm2Number().doubleValue(), 1e-6);
        // zero gradients: the update is pure decoupled decay, on decayed tensors only
        m.params().zeroGrad();
        INDArray w0 = nd(m.params().value("h.0.attn.c_attn.weight")).dup(), e0 = nd(m.params().value("wte")).dup();
        new AdamW(m.params(), 0.9, 0.999, 1e-8, 0.1).step(0.5);
        assertEquals(w0.mul(1 - 0.5 * 0.1), nd(m.params().value("h.0.attn.c_attn.weight")));
        assertEquals(e0, nd(m.params().value("wte")));
    }
}
