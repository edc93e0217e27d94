package io.inrank.model;

import org.junit.jupiter.api.Test;
import io.inrank.model.backend.DType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 300 training steps of the tiny preset keep the process's resident memory flat: every buffer is preallocated and the
 * JavaCPP off-heap limits (surefire argLine) make ND4J's few temporaries get freed.
 */
class MemoryTest {

    static long rssKb() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("\\D", ""));
        }
        throw new IllegalStateException("no VmRSS");
    }

    @Test
    void threeHundredStepsKeepRssFlat() throws IOException {
        GptConfig cfg = GptConfig.preset("tiny", GptConfig.Mode.INRANK);
        GptModel m = new GptModel(cfg, 4, 32, DType.F32, 1);
        AdamW opt = AdamW.paperDefaults(m.params());
        Random r = new Random(1);
        int n = 4 * 32;
        int[] ids = new int[n], tg = new int[n];
        long firstHalf = 0, secondHalf = 0; // peak RSS over steps 50-174 and 175-299
        for (int step = 0; step < 300; step++) {
            for (int i = 0; i < n; i++) {
                ids[i] = r.nextInt(cfg.vocab());
                tg[i] = r.nextInt(cfg.vocab());
            }
            m.reseedDropout(step);
            m.params().zeroGrad();
            m.forward(ids, tg, true);
            m.backward(1.0);
            AdamW.clipGradNorm(m.params(), 1.0);
            opt.step(1e-4);
            if (step >= 50 && step < 175) firstHalf = Math.max(firstHalf, rssKb());
            if (step >= 175) secondHalf = Math.max(secondHalf, rssKb());
        }
        long growthMb = (secondHalf - firstHalf) / 1024;
        System.out.printf("peak RSS steps 50-174: %d MB, steps 175-299: %d MB (growth %d MB)%n",
                firstHalf / 1024, secondHalf / 1024, growthMb);
        // a leak grows step after step (the unlimited case grew ~400 MB per step, nd4j.md §3); a plateau is flat
        assertTrue(growthMb < 48, "RSS still growing: +" + growthMb + " MB between the two halves");
    }
}
