package io.inrank.trainer.run;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.kafka.KafkaLocal;
import io.inrank.kafka.KafkaLocalExtension;
import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.RunKey;
import io.inrank.protocol.Topics;
import io.inrank.trainer.Fixtures;
import io.inrank.trainer.config.TrainSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer's side of run isolation and of unanswered checks: with a run key every report and checkpoint event is
 * signed; one missed check is a warning, {@code max-missed-checks} in a row stop the run with an error after a
 * checkpoint.
 */
@ExtendWith(KafkaLocalExtension.class)
class RankChecksTest {
    static final String DATASET = "fx-checks";
    static final byte[] MASTER = RunKey.master("trainer-test-master-0123456789abcdef0123");
    private static boolean published;

    @TempDir
    Path tmp;

    String bs;

    @BeforeEach
    void data(KafkaLocal kafka) {
        bs = kafka.bootstrapServers();
        synchronized (RankChecksTest.class) {
            if (!published) Fixtures.dataset(bs, DATASET, 16, 64, 8);
            published = true;
        }
    }

    @Test
    void withoutAnswersTheRunStopsAtMaxMissedChecksAfterACheckpointAndSignsWhatItSends() {
        String run = "missed";
        RunKey key = RunKey.derive(MASTER, run);
        TrainSettings s = Fixtures.settings(
                bs,
                DATASET,
                tmp,
                run,
                "--steps",
                "8",
                "--rank-warmup",
                "1",
                "--rank-gap",
                "1",
                "--decision-timeout-ms",
                "200",
                "--max-missed-checks",
                "3",
                "--checkpoint-every",
                "0",
                "--run-key",
                key.hex());
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        RankChecksMissedException e;
        try (TrainingRun r = new TrainingRun(s, reg)) {
            e = assertThrows(RankChecksMissedException.class, r::run);
            assertEquals(3, r.missedInARow());
        }
        // checks at steps 2, 3, 4: the third in a row ends the run after step 4's checkpoint
        assertTrue(
                e.getMessage().startsWith("3 rank checks in a row got no decision (the last at step 4)"),
                e.getMessage());
        assertTrue(e.getMessage().contains("the rank-controller is down"), e.getMessage());
        assertTrue(e.getMessage().contains(Topics.DEAD_LETTER), e.getMessage());
        assertTrue(e.getMessage().contains("run key"), e.getMessage());
        assertEquals(e.getMessage(), e.toString(), "printed as 'error: <message>'");
        assertTrue(Files.isDirectory(tmp.resolve(run).resolve("step-000000004")), "a checkpoint to resume from");
        assertEquals(3.0, reg.get("inrank.trainer.decision.timeouts").counter().count());
        assertEquals(
                3.0,
                reg.get("inrank.trainer.rank.checks.missed.consecutive").gauge().value());

        // every report and checkpoint event carries this run's signature
        List<ConsumerRecord<byte[], byte[]>> reports = records(Topics.SPECTRA, run);
        assertEquals(3, reports.size());
        List<ConsumerRecord<byte[], byte[]>> events = records(Topics.CHECKPOINTS, run);
        assertEquals(1, events.size(), "the stop's checkpoint (no other before the end)");
        for (ConsumerRecord<byte[], byte[]> r : concat(reports, events)) assertNull(key.problem(r), r.topic());
        assertNotNull(RunKey.derive(MASTER, "other").problem(reports.get(0)));
    }

    @Test
    void isolatedMissesAreToleratedAndAnAnswerResetsTheCount() throws Exception {
        String run = "transient";
        Set<Long> unanswered = Set.of(3L, 5L, 7L);
        Map<Long, Boolean> seen = new ConcurrentHashMap<>();
        Thread controller = Fixtures.standInController(bs, Set.of(run), r -> r, unanswered, seen);
        try {
            TrainSettings s = Fixtures.settings(
                    bs,
                    DATASET,
                    tmp,
                    run,
                    "--steps",
                    "8",
                    "--rank-warmup",
                    "1",
                    "--rank-gap",
                    "1",
                    "--decision-timeout-ms",
                    "1500",
                    "--max-missed-checks",
                    "2");
            SimpleMeterRegistry reg = new SimpleMeterRegistry();
            try (TrainingRun r = new TrainingRun(s, reg)) {
                TrainingRun.Summary sum = r.run();
                assertEquals(8, sum.steps(), "every second check missed, never two in a row: the run ends normally");
                assertEquals(3, sum.decisionTimeouts());
                assertEquals(0, r.missedInARow());
            }
            assertEquals(4.0, reg.get("inrank.trainer.rank.decisions").counter().count());
            assertEquals(
                    0.0,
                    reg.get("inrank.trainer.rank.checks.missed.consecutive")
                            .gauge()
                            .value());
            assertNull(records(Topics.SPECTRA, run).get(0).headers().lastHeader(RunKey.HEADER), "no key: unsigned");
        } finally {
            controller.interrupt();
            controller.join(10_000);
        }
    }

    List<ConsumerRecord<byte[], byte[]>> records(String topic, String run) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = KafkaClientConfig.of(bs).consumer("test", Map.of())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end)
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200)))
                    if (r.key() != null && run.equals(new String(r.key(), StandardCharsets.UTF_8))) out.add(r);
        }
        return out;
    }

    static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
