package io.inrank.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inrank.kafka.KafkaLocal;
import io.inrank.kafka.KafkaLocalExtension;
import io.inrank.trainer.Fixtures;
import io.inrank.trainer.config.TrainSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stop-and-resume run of {@link TrainingRunTest} on the cuda backend, on the emulated CUDA device (the trainer's
 * `emulated` test run): an InRank run stopped after step 5 resumes from its last good checkpoint (the damaged newest
 * one skipped) and repeats the uninterrupted run's losses bit for bit, checkpoints written from and read back into
 * device memory.
 */
@ExtendWith(KafkaLocalExtension.class)
class EmulatedCudaResumeTest {
    static final String DATASET = "fx-cuda";

    @TempDir
    Path tmp;

    @Test
    void aStoppedCudaRunResumesAndRepeatsTheUninterruptedLosses(KafkaLocal kafka) throws Exception {
        String bs = kafka.bootstrapServers();
        Fixtures.dataset(bs, DATASET, 16, 64, 8);
        String[] flags = {"--steps", "8", "--checkpoint-every", "2", "--keep-checkpoints", "2", "--backend", "cuda"};
        Map<Long, Double> uninterrupted =
                TrainingRunTest.losses(Fixtures.settings(bs, DATASET, tmp, "cuda-a", flags), -1);
        assertEquals(8, uninterrupted.size());
        for (double loss : uninterrupted.values())
            assertTrue(Double.isFinite(loss) && loss > 0, uninterrupted.toString());

        TrainSettings b = Fixtures.settings(bs, DATASET, tmp, "cuda-b", flags);
        assertEquals(5, TrainingRunTest.losses(b, 5).size());
        Path runDir = tmp.resolve("cuda-b");
        assertTrue(Files.isDirectory(runDir.resolve("step-000000005")));
        TrainingRunTest.flipAByte(runDir.resolve("step-000000005").resolve("model.safetensors"));

        Map<Long, Double> rest = new LinkedHashMap<>();
        try (TrainingRun r = new TrainingRun(b, new SimpleMeterRegistry())) {
            r.onStep(rest::put);
            assertEquals(4, r.run().resumedFrom(), "the damaged step-5 checkpoint is skipped");
        }
        assertEquals(List.of(5L, 6L, 7L, 8L), new ArrayList<>(rest.keySet()));
        for (long t = 5; t <= 8; t++) assertEquals(uninterrupted.get(t), rest.get(t), "loss at step " + t);
    }
}
