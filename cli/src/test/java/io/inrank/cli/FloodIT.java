package io.inrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inrank.cli.commands.TrainCommand;
import io.inrank.cli.launch.JavaProcess;
import io.inrank.cli.launch.Layout;
import io.inrank.cli.launch.LocalStack;
import io.inrank.protocol.DeadLetters;
import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.Messages;
import io.inrank.protocol.PipelineService;
import io.inrank.protocol.RankDecision;
import io.inrank.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flood of bad records — random bytes, JSON of the wrong type or shape, 6 MiB values — on every topic the services
 * consume as it arrives (spectra: rank-controller; rank decisions: trainer; checkpoint events: inference) and on the
 * manifests the trainer and the ingest read. Every service keeps running and keeps working (the trainer's rank checks
 * are all answered, inference loads the run's last checkpoint, a re-run ingest finds its finished split), and every bad
 * record of the event streams is on the dead-letter topic once, by the service that met it, and counted in its metrics.
 */
class FloodIT {
    static final String RUN = "flood";
    static final int HUGE = 6 << 20;

    @TempDir
    Path tmp;

    @Test
    void badRecordsEverywhereAreDeadLetteredAndNothingStops() throws Exception {
        Layout layout = Layout.current();
        try (LocalStack stack = LocalStack.start(layout, tmp)) {
            KafkaClientConfig kafka = KafkaClientConfig.of(stack.bootstrap());
            stack.ingest(List.of(
                    "--source",
                    PipelineIT.corpus(tmp.resolve("corpus")).toString(),
                    "--dataset",
                    RUN,
                    "--block-length",
                    "16"));
            JavaProcess controller = stack.startController(0);
            JavaProcess inference = stack.own(JavaProcess.builder("inference", layout.jvm())
                    .heap("1g")
                    .property("kafka.bootstrap.servers", stack.bootstrap())
                    .property("inrank.serve.run", RUN)
                    .property("inrank.serve.checkpoint-root", tmp.resolve("checkpoints"))
                    .property("quarkus.http.port", 0)
                    .jar(layout.app(PipelineService.INFERENCE).jar())
                    .start(tmp.resolve("inference.log")));
            String serve = "http://localhost:"
                    + inference
                            .awaitLine(PipelineIT.HTTP_PORT, Duration.ofSeconds(90))
                            .group(1);
            String control = "http://localhost:"
                    + controller
                            .awaitLine(PipelineIT.HTTP_PORT, Duration.ofSeconds(10))
                            .group(1);

            Map<String, Integer> flooded = new TreeMap<>();
            flooded.put(Topics.SPECTRA, flood(kafka, Topics.SPECTRA, RUN));
            flooded.put(Topics.CHECKPOINTS, flood(kafka, Topics.CHECKPOINTS, RUN));
            int manifests = flood(kafka, Topics.DATASETS, Topics.manifestKey(RUN, "train"));

            Path ckpt = tmp.resolve("checkpoints");
            JavaProcess trainer = stack.own(TrainCommand.trainer(
                            layout,
                            PipelineIT.args(
                                    RUN,
                                    RUN,
                                    stack.bootstrap(),
                                    ckpt,
                                    "240",
                                    "--rank-warmup",
                                    "200",
                                    "--checkpoint-every",
                                    "80",
                                    "--log-every",
                                    "40"),
                            0)
                    .heap("1g")
                    .start(tmp.resolve("trainer.log")));
            // the decisions flood lands while the trainer trains, before its first rank check (step 204)
            Path steps = ckpt.resolve(RUN).resolve("steps.jsonl");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (!Files.exists(steps) || Files.readAllLines(steps).isEmpty()) {
                assertTrue(trainer.isAlive() && System.nanoTime() < deadline, "the trainer did not start training");
                Thread.sleep(20);
            }
            flooded.put(Topics.RANK_DECISIONS, flood(kafka, Topics.RANK_DECISIONS, RUN));
            long at = Files.readAllLines(steps).size();
            assertTrue(at < 200, "the decisions flood must land before the first rank check, the trainer is at " + at);
            assertEquals(
                    0,
                    trainer.waitFor(Duration.ofMinutes(5)),
                    "the trainer finished: " + Files.readString(trainer.log()));

            String summary = Files.readString(trainer.log());
            assertTrue(summary.contains("\"decision_timeouts\":0"), "every rank check answered:\n" + summary);
            assertTrue(summary.contains("\"dead_letters\":" + flooded.get(Topics.RANK_DECISIONS)), summary);
            assertEquals(
                    List.of(204L, 208L, 212L, 216L, 220L, 224L, 228L, 232L, 236L, 240L),
                    decisions(kafka).stream().map(RankDecision::step).toList(),
                    "the controller answered every report after its flood");
            inference.awaitLine(Pattern.compile("serving " + RUN + " \\(step 240,"), Duration.ofSeconds(60));
            assertTrue(controller.isAlive() && inference.isAlive(), "both services still running");
            stack.ingest(
                    List.of("--source", tmp.resolve("corpus").toString(), "--dataset", RUN, "--block-length", "16"));

            // on the dead-letter topic once each, by the service that met it, and in each service's metrics
            Map<String, Integer> dead = new TreeMap<>(), truncated = new TreeMap<>();
            for (ConsumerRecord<byte[], byte[]> r : all(kafka, Topics.DEAD_LETTER)) {
                String where = DeadLetters.header(r, DeadLetters.CONSUMER) + " <- "
                        + DeadLetters.header(r, DeadLetters.SOURCE_TOPIC);
                dead.merge(where, 1, Integer::sum);
                if ("true".equals(DeadLetters.header(r, DeadLetters.TRUNCATED))) {
                    truncated.merge(where, 1, Integer::sum);
                    assertEquals(String.valueOf(HUGE), DeadLetters.header(r, DeadLetters.VALUE_BYTES));
                    assertEquals(DeadLetters.MAX_VALUE_BYTES, r.value().length);
                }
            }
            Map<String, Integer> want = new TreeMap<>(Map.of(
                    "rank-controller <- " + Topics.SPECTRA, flooded.get(Topics.SPECTRA),
                    "inference <- " + Topics.CHECKPOINTS, flooded.get(Topics.CHECKPOINTS),
                    "trainer <- " + Topics.RANK_DECISIONS, flooded.get(Topics.RANK_DECISIONS)));
            System.out.printf(
                    "flooded %s (+ %d on %s); dead letters %s, %s of them truncated 6 MiB values%n",
                    flooded, manifests, Topics.DATASETS, dead, truncated);
            assertEquals(want, dead, "every bad record dead-lettered once");
            assertEquals(3, truncated.size());
            assertTrue(PipelineIT.get(control + "/q/metrics")
                    .contains("inrank_controller_dead_letters_total " + flooded.get(Topics.SPECTRA) + ".0"));
            assertTrue(PipelineIT.get(serve + "/q/metrics")
                    .contains("inrank_inference_dead_letters_total " + flooded.get(Topics.CHECKPOINTS) + ".0"));
        }
    }

    /**
     * Writes the bad records under {@code key}: 40 of random bytes, one of each wrong JSON (other message types,
     * scalars, nulls, a list with a null layer, a version from the future, 5,000 nested arrays) and 2 of 6 MiB.
     *
     * @return how many
     */
    static int flood(KafkaClientConfig kafka, String topic, String key) throws Exception {
        List<byte[]> values = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(topic.hashCode());
        for (int i = 0; i < 40; i++) {
            byte[] b = new byte[1 + r.nextInt(4096)];
            for (int j = 0; j < b.length; j++) b[j] = (byte) r.nextInt(256);
            values.add(b);
        }
        for (String json : List.of(
                "{}",
                "[]",
                "\"text\"",
                "42",
                "null",
                "{\"run\":\"" + RUN + "\"}",
                "{\"version\":1,\"run\":\"" + RUN
                        + "\",\"step\":1,\"layers\":[null],\"policy\":\"x\",\"policyParams\":{},"
                        + "\"decidedAt\":\"now\"}",
                "{\"version\":99,\"run\":\"" + RUN + "\",\"step\":1,\"layers\":[],\"policy\":\"x\"}",
                "{\"version\":1,\"run\":\"" + RUN
                        + "\",\"step\":-5,\"uri\":\"file:///etc/passwd\",\"sha256\":\"nope\"}",
                "{\"dataset\":\"" + RUN + "\",\"split\":\"train\",\"done\":\"yes\"}",
                "[".repeat(5000) + "]".repeat(5000))) {
            values.add(json.getBytes(StandardCharsets.UTF_8));
        }
        byte[] noise = new byte[HUGE];
        r.nextBytes(noise);
        values.add(noise);
        byte[] json = ("{\"run\":\"" + RUN + "\",\"pad\":\"" + "a".repeat(HUGE - 24) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        values.add(java.util.Arrays.copyOf(json, HUGE));
        try (KafkaProducer<byte[], byte[]> p = kafka.producer(
                "flood",
                Map.of(
                        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                        8 << 20,
                        ProducerConfig.BUFFER_MEMORY_CONFIG,
                        64 << 20))) {
            for (byte[] v : values)
                p.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), v))
                        .get();
        }
        return values.size();
    }

    /** The run's readable decisions, in order (the flood's records are skipped). */
    static List<RankDecision> decisions(KafkaClientConfig kafka) throws Exception {
        List<RankDecision> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : all(kafka, Topics.RANK_DECISIONS)) {
            try {
                RankDecision d = Messages.decode(r.value(), RankDecision.class);
                if (d.run().equals(RUN)) out.add(d);
            } catch (RuntimeException bad) {
                // one of the flood
            }
        }
        return out;
    }

    static List<ConsumerRecord<byte[], byte[]>> all(KafkaClientConfig kafka, String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = kafka.consumer("it", Map.of())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) c.poll(Duration.ofMillis(200)).forEach(out::add);
        }
        return out;
    }
}
