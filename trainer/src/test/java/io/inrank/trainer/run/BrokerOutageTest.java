package io.inrank.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inrank.kafka.KafkaLocal;
import io.inrank.protocol.CheckpointEvent;
import io.inrank.protocol.Topics;
import io.inrank.trainer.Fixtures;
import io.inrank.trainer.config.TrainSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker gone for the rest of a run: checkpoints are still written and the run trains to its end, each unsent
 * event costing at most announce-timeout-ms; the run then exits with the retryable error, and running it again with the
 * broker back announces the last checkpoint without training a step.
 */
class BrokerOutageTest {
    @TempDir
    Path tmp;

    @Test
    void checkpointsOutliveTheBrokerAndTheLastIsAnnouncedOnResume() throws Exception {
        Path data = tmp.resolve("kafka");
        KafkaLocal broker = KafkaLocal.builder().dataDir(data).start();
        int port = broker.port();
        String bs = broker.bootstrapServers();
        Fixtures.dataset(bs, "fx-outage", 16, 64, 8);
        TrainSettings s = Fixtures.settings(
                bs,
                "fx-outage",
                tmp,
                "outage",
                "--mode",
                "full",
                "--steps",
                "8",
                "--checkpoint-every",
                "2",
                "--announce-timeout-ms",
                "1500");
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        long t0 = System.nanoTime();
        try (TrainingRun r = new TrainingRun(s, reg)) {
            r.onStep((step, loss) -> {
                if (step != 3) return;
                // the step-2 event is announced on the writer thread: wait for it, then take the broker away
                long until = System.nanoTime() + 30_000_000_000L;
                while (Fixtures.read(bs, Topics.CHECKPOINTS, CheckpointEvent.class, "outage")
                                .isEmpty()
                        && System.nanoTime() < until) Thread.onSpinWait();
                broker.close();
            });
            var e = assertThrows(UnannouncedCheckpointException.class, r::run);
            assertTrue(e.getMessage().contains("step 8"), e.getMessage());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        // events of steps 4, 6, 8 and the retry of 8 at the end: 4 waits of 1.5 s (at least 1 s each: max.block.ms),
        // plus training, a broker shutdown and a bounded close
        System.out.printf("the run with the broker gone from step 3: %.1f s%n", seconds);
        assertTrue(seconds < 90, "the outage cost " + seconds + " s (a send blocking on metadata costs 60 s each)");
        assertEquals(4.0, reg.get("inrank.trainer.checkpoints").counter().count(), "every checkpoint written");
        assertEquals(
                4.0, reg.get("inrank.trainer.checkpoints.unannounced").counter().count());
        assertTrue(Files.isDirectory(tmp.resolve("outage").resolve("step-000000008")));

        try (KafkaLocal back = KafkaLocal.builder().dataDir(data).port(port).start();
                TrainingRun again = new TrainingRun(s, new SimpleMeterRegistry())) {
            TrainingRun.Summary sum = again.run();
            assertEquals(8, sum.resumedFrom(), "nothing left to train");
            List<Long> steps =
                    Fixtures.read(back.bootstrapServers(), Topics.CHECKPOINTS, CheckpointEvent.class, "outage").stream()
                            .map(CheckpointEvent::step)
                            .toList();
            assertEquals(2L, steps.get(0), "announced before the outage");
            assertEquals(8L, steps.get(steps.size() - 1), "the last checkpoint announced on resume: " + steps);
        }
    }
}
