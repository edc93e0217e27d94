package io.inrank.controller.service;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.controller.Spectra;
import io.inrank.controller.state.RunState;
import io.inrank.kafka.KafkaLocal;
import io.inrank.protocol.DeadLetters;
import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.Messages;
import io.inrank.protocol.RankDecision;
import io.inrank.protocol.SpectrumReport;
import io.inrank.protocol.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * A long run: 5,000 rank checks of a 24-layer run shaped like gpt2-small's MLP layers (768 singular values per layer,
 * maxRank 384, buffer 96; the spectra are generated, zero-padded past r + b as the trainer's are) through a controller
 * in this process, which is then stopped and started again. Most reports are sent without waiting; the last ones one
 * at a time, as a trainer sends them, to time a check against a full window. The state record stays under its byte budget (a version 1 record held every decision and outgrew
 * Kafka's 1 MiB limit around here), and the restarted controller knows the ranks, the last step and the recent
 * decisions.
 */
class LongRunStateTest {
    static final int CHECKS = 5000, VALUES = 768, BUFFER = 96, MAX_RANK = 384, GAP = 10;
    /** The last checks go one at a time, each waiting for its decision, as a trainer does. */
    static final int PACED = 200;

    static final String RUN = "long-run";

    @Test
    void fiveThousandChecksKeepABoundedStateThatARestartedControllerRestores() throws Exception {
        long t0 = System.nanoTime();
        try (KafkaLocal broker = KafkaLocal.start()) {
            KafkaClientConfig kafka = KafkaClientConfig.of(broker.bootstrapServers());
            List<String> names = Spectra.names(12);
            int[] ranks = new int[names.size()];
            Arrays.fill(ranks, 2);
            RunState expected = null; // a controller that is never stopped: the pure Decider
            Map<Long, SpectrumReport> kept = new HashMap<>();
            ControllerService a = new ControllerService(kafka, new SimpleMeterRegistry());
            a.start(null);
            long sent = 0, pacedNanos = 0;
            try (KafkaProducer<byte[], byte[]> p = producer(kafka)) {
                for (int i = 1; i <= CHECKS; i++) {
                    // the trainer reports the ranks of the previous decision; the knee moves up through the run
                    SpectrumReport r = report(names, i, ranks);
                    Decider.Outcome o = Decider.decide(r, expected);
                    expected = o.state();
                    for (int l = 0; l < ranks.length; l++)
                        ranks[l] = o.decision().layers().get(l).newRank();
                    byte[] v = Messages.encode(r);
                    sent += v.length;
                    if (i == 1 || i >= CHECKS - 20) kept.put(r.step(), r);
                    if (i <= CHECKS - PACED) {
                        p.send(new ProducerRecord<>(Topics.SPECTRA, key(), v));
                        continue;
                    }
                    // a full window from here on: time one round trip (report sent -> its state written)
                    long ts = System.nanoTime(),
                            deadline = ts + Duration.ofSeconds(60).toNanos();
                    p.send(new ProducerRecord<>(Topics.SPECTRA, key(), v));
                    p.flush();
                    while ((a.run(RUN) == null || a.run(RUN).lastStep() < r.step()) && System.nanoTime() < deadline)
                        Thread.onSpinWait();
                    if (i > CHECKS - PACED + 20) pacedNanos += System.nanoTime() - ts; // after 20 for the JIT
                }
            }
            long last = (long) GAP * CHECKS;
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while ((a.run(RUN) == null || a.run(RUN).lastStep() < last) && System.nanoTime() < deadline)
                Thread.sleep(50);
            double decided = (System.nanoTime() - t0) / 1e9;
            RunState live = a.run(RUN);
            assertNotNull(live, "the run was decided");
            assertEquals(last, live.lastStep());
            a.stop(null);

            List<ConsumerRecord<byte[], byte[]>> states = read(kafka, Topics.RANK_STATE, r -> true);
            ConsumerRecord<byte[], byte[]> newest = states.get(states.size() - 1);
            int largest = states.stream().mapToInt(r -> r.value().length).max().orElseThrow();
            List<ConsumerRecord<byte[], byte[]>> decisions = read(kafka, Topics.RANK_DECISIONS, r -> true);
            assertEquals(CHECKS, decisions.size(), "one decision per check");

            long t1 = System.nanoTime();
            ControllerService b = new ControllerService(kafka, new SimpleMeterRegistry());
            b.start(null);
            double restored = (System.nanoTime() - t1) / 1e9;
            try {
                RunState s = b.run(RUN);
                assertNotNull(s, "the restarted controller knows the run");
                assertEquals(last, s.lastStep(), "the last step");
                assertEquals(CHECKS, s.decisions());
                assertEquals(expected.layers(), s.layers(), "the current ranks");
                assertTrue(
                        s.recent().size() > 100,
                        "a useful window: " + s.recent().size());
                System.out.printf(
                        "%,d checks of %d layers (%d values each, %.0f MB of reports): decided in %.1f s (the last %d"
                                + " one at a time: %.1f ms per report -> state written); state record %,d bytes (largest %,d, budget %,d; %,d state records for %,d decisions), window"
                                + " %d decisions (steps %d..%d); restart restored it in %.2f s; ranks now %d..%d%n",
                        CHECKS,
                        names.size(),
                        VALUES,
                        sent / 1e6,
                        decided,
                        PACED,
                        pacedNanos / 1e6 / (PACED - 20),
                        newest.value().length,
                        largest,
                        512 * 1024,
                        states.size(),
                        CHECKS,
                        s.recent().size(),
                        s.oldestKept(),
                        s.lastStep(),
                        restored,
                        Arrays.stream(ranks).min().orElseThrow(),
                        Arrays.stream(ranks).max().orElseThrow());
                assertTrue(largest <= 512 * 1024, "every state record within the budget: " + largest);
                assertTrue(largest > 400 * 1024, "the window fills its budget: " + largest);

                // a recent step repeated (a trainer re-sending after a crash): the decision as first published
                long repeat = last - GAP * 10;
                byte[] first = decisionOf(decisions, repeat).value();
                // and the first step: long out of the window
                try (KafkaProducer<byte[], byte[]> p = producer(kafka)) {
                    p.send(new ProducerRecord<>(Topics.SPECTRA, key(), Messages.encode(kept.get(repeat))));
                    p.send(new ProducerRecord<>(Topics.SPECTRA, key(), Messages.encode(kept.get((long) GAP))));
                    p.send(new ProducerRecord<>(
                            Topics.SPECTRA, key(), Messages.encode(report(names, CHECKS + 1, ranks))));
                }
                List<ConsumerRecord<byte[], byte[]>> next = await(kafka, Topics.RANK_DECISIONS, CHECKS + 2);
                assertArrayEquals(
                        first,
                        decisionOf(next.subList(CHECKS, CHECKS + 2), repeat).value(),
                        "repeat");
                RankDecision after = Messages.decode(
                        decisionOf(next.subList(CHECKS, CHECKS + 2), last + GAP).value(), RankDecision.class);
                RankDecision uninterrupted = Decider.decide(report(names, CHECKS + 1, ranks), expected)
                        .decision();
                assertEquals(uninterrupted.layers(), after.layers(), "the next check as if never restarted");
                ConsumerRecord<byte[], byte[]> dead =
                        await(kafka, Topics.DEAD_LETTER, 1).get(0);
                String reason = DeadLetters.header(dead, DeadLetters.REASON);
                assertTrue(reason.contains("step 10 goes backwards and is older than the idempotency window"), reason);
            } finally {
                b.stop(null);
            }
        }
        double total = (System.nanoTime() - t0) / 1e9;
        System.out.printf("LongRunStateTest: %.1f s in all%n", total);
    }

    static SpectrumReport report(List<String> names, int check, int[] ranks) {
        int knee = 2 + (int) ((long) check * (MAX_RANK - BUFFER - 8) / CHECKS);
        return Spectra.report(RUN, (long) GAP * check, names, ranks, VALUES, BUFFER, MAX_RANK, knee);
    }

    static byte[] key() {
        return RUN.getBytes(StandardCharsets.UTF_8);
    }

    static KafkaProducer<byte[], byte[]> producer(KafkaClientConfig kafka) {
        return kafka.producer(
                "long-run-test",
                Map.of(
                        ProducerConfig.COMPRESSION_TYPE_CONFIG,
                        "lz4",
                        ProducerConfig.LINGER_MS_CONFIG,
                        10,
                        ProducerConfig.BATCH_SIZE_CONFIG,
                        1 << 20,
                        ProducerConfig.ACKS_CONFIG,
                        "all"));
    }

    static ConsumerRecord<byte[], byte[]> decisionOf(List<ConsumerRecord<byte[], byte[]>> records, long step) {
        return records.stream()
                .filter(r -> Messages.decode(r.value(), RankDecision.class).step() == step)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no decision of step " + step));
    }

    static List<ConsumerRecord<byte[], byte[]>> read(
            KafkaClientConfig kafka, String topic, Predicate<ConsumerRecord<byte[], byte[]>> match) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = kafka.consumer("long-run-test", Map.of())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end)
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) if (match.test(r)) out.add(r);
        }
        return out;
    }

    static List<ConsumerRecord<byte[], byte[]>> await(KafkaClientConfig kafka, String topic, int count)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        List<ConsumerRecord<byte[], byte[]>> out = read(kafka, topic, r -> true);
        while (out.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(100);
            out = read(kafka, topic, r -> true);
        }
        assertEquals(count, out.size(), topic);
        return out;
    }
}
