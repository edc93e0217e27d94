package io.inrank.inference.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.*;

import io.inrank.inference.TinyCheckpoint;
import io.inrank.kafka.KafkaLocal;
import io.inrank.model.io.Checkpoint;
import io.inrank.protocol.CheckpointEvent;
import io.inrank.protocol.Messages;
import io.inrank.protocol.Topics;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** Hot reload from checkpoint events on a real broker: good ones swap in, bad ones are refused and the old model serves on. */
@QuarkusTest
@QuarkusTestResource(value = HotReloadTest.Resources.class, restrictToAnnotatedClass = true)
class HotReloadTest {
    static KafkaLocal kafka;
    static Path root;

    public static class Resources implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            try {
                kafka = KafkaLocal.start();
                root = Files.createTempDirectory("inrank-hot");
                return Map.of(
                        "kafka.bootstrap.servers",
                        kafka.bootstrapServers(),
                        "inrank.serve.run",
                        "hot",
                        "inrank.serve.checkpoint-root",
                        root.toString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void stop() {
            if (kafka != null) kafka.close();
        }
    }

    @Test
    void goodCheckpointsSwapInAndBadOnesAreRefused() throws Exception {
        var health = given().get("/q/health/ready");
        assertEquals(503, health.statusCode());
        assertTrue(health.asString().contains("waiting for a checkpoint event of run hot"), health.asString());

        Path a = TinyCheckpoint.write(root, "hot", 5, 100);
        publish(event(a, 100, Checkpoint.sha256(a.resolve("state.json"))));
        await(() -> given().get("/q/health/ready").statusCode() == 200, "the first checkpoint loads");
        assertEquals(100, given().get("/info").jsonPath().getLong("step"));
        String before = given().contentType("application/json")
                .body("{\"inputs\":\"Hello\",\"parameters\":{\"max_new_tokens\":5}}")
                .post("/generate")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getString("generated_text");

        Path b = TinyCheckpoint.write(root, "hot", 6, 200);
        publish(event(b, 200, "0".repeat(64))); // hash does not match its state.json
        await(() -> failures() >= 1, "a mismatching hash is refused");
        Path c = TinyCheckpoint.write(root, "hot", 7, 300);
        try (RandomAccessFile f =
                new RandomAccessFile(c.resolve("model.safetensors").toFile(), "rw")) { // damaged weights
            f.seek(f.length() / 2);
            int x = f.read();
            f.seek(f.length() / 2);
            f.write(x ^ 0x5a);
        }
        publish(event(c, 300, Checkpoint.sha256(c.resolve("state.json"))));
        await(() -> failures() >= 2, "damaged weights are refused");
        assertEquals(100, given().get("/info").jsonPath().getLong("step"), "the old model keeps serving");
        assertEquals(
                before,
                given().contentType("application/json")
                        .body("{\"inputs\":\"Hello\",\"parameters\":{\"max_new_tokens\":5}}")
                        .post("/generate")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getString("generated_text"));

        try (var p = producer()) { // garbage for this run: dead-lettered
            p.send(new ProducerRecord<>(
                            Topics.CHECKPOINTS,
                            "hot".getBytes(StandardCharsets.UTF_8),
                            "{not json".getBytes(StandardCharsets.UTF_8)))
                    .get();
        }
        publish(event(b, 200, Checkpoint.sha256(b.resolve("state.json"))));
        await(() -> given().get("/info").jsonPath().getLong("step") == 200, "the good step-200 checkpoint swaps in");
        assertNotEquals(
                before,
                given().contentType("application/json")
                        .body("{\"inputs\":\"Hello\",\"parameters\":{\"max_new_tokens\":5}}")
                        .post("/generate")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getString("generated_text"),
                "other weights answer");
        await(() -> deadLetters() >= 1, "the unreadable event is dead-lettered");
    }

    static CheckpointEvent event(Path dir, long step, String sha) {
        return new CheckpointEvent(
                1,
                "hot",
                step,
                dir.toUri().toString(),
                sha,
                1,
                "tiny",
                "inrank",
                Map.of(),
                Map.of(),
                Instant.now().toString());
    }

    static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    static void publish(CheckpointEvent e) throws Exception {
        try (var p = producer()) {
            p.send(new ProducerRecord<>(
                            Topics.CHECKPOINTS, e.run().getBytes(StandardCharsets.UTF_8), Messages.encode(e)))
                    .get();
        }
    }

    static double failures() {
        return given().get("/q/metrics")
                .asString()
                .lines()
                .filter(l -> l.startsWith("llm_model_load_failures_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    static long deadLetters() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(Topics.DEAD_LETTER, 0);
            if (c.partitionsFor(Topics.DEAD_LETTER, Duration.ofSeconds(5)).isEmpty()) return 0;
            return c.endOffsets(List.of(tp)).get(tp);
        }
    }

    static void await(BooleanSupplier ok, String what) throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            if (ok.getAsBoolean()) return;
            Thread.sleep(100);
        }
        fail("timed out: " + what);
    }
}
