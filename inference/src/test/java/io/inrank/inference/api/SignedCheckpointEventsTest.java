package io.inrank.inference.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.*;

import io.inrank.inference.TinyCheckpoint;
import io.inrank.kafka.KafkaLocal;
import io.inrank.model.io.Checkpoint;
import io.inrank.protocol.CheckpointEvent;
import io.inrank.protocol.Messages;
import io.inrank.protocol.RunKey;
import io.inrank.protocol.Topics;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * A server with its run's key: only events signed with it choose the model. The forger holds the trainer login and its
 * own run's key, writes a well-formed checkpoint where it likes, and announces it every way it can.
 */
@QuarkusTest
@QuarkusTestResource(value = SignedCheckpointEventsTest.Resources.class, restrictToAnnotatedClass = true)
class SignedCheckpointEventsTest {
    static final byte[] MASTER = RunKey.master("a-master-secret-of-at-least-32-bytes-0123456789");
    static final RunKey VICTIM = RunKey.derive(MASTER, "victim"), ATTACKER = RunKey.derive(MASTER, "attacker");
    static KafkaLocal kafka;
    static Path root;

    public static class Resources implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            try {
                kafka = KafkaLocal.start();
                HotReloadTest.kafka = kafka; // its producer and metric helpers
                root = Files.createTempDirectory("inrank-signed");
                return Map.of(
                        "kafka.bootstrap.servers", kafka.bootstrapServers(),
                        "inrank.serve.run", "victim",
                        "inrank.serve.checkpoint-root", root.toString(),
                        "inrank.serve.run-key", VICTIM.hex());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void stop() {
            if (kafka != null) kafka.close();
        }
    }

    static CheckpointEvent event(String run, Path dir, long step) throws Exception {
        return new CheckpointEvent(
                1,
                run,
                step,
                dir.toUri().toString(),
                Checkpoint.sha256(dir.resolve("state.json")),
                1,
                "tiny",
                "inrank",
                Map.of(),
                Map.of(),
                Instant.now().toString());
    }

    static void publish(String key, CheckpointEvent e, RunKey signer) throws Exception {
        var r = new ProducerRecord<>(Topics.CHECKPOINTS, key.getBytes(StandardCharsets.UTF_8), Messages.encode(e));
        if (signer != null) signer.signed(r);
        try (var p = HotReloadTest.producer()) {
            p.send(r).get();
        }
    }

    static double refusals() {
        return given().get("/q/metrics")
                .asString()
                .lines()
                .filter(l -> l.startsWith("inrank_inference_checkpoints_refused_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    @Test
    void onlyTheRunsSignedEventsChooseTheModel() throws Exception {
        Path genuine = TinyCheckpoint.write(root, "victim", 5, 100);
        Path forged = TinyCheckpoint.write(root, "victim", 9, 900); // in the run's own directory, even
        Path crafted = TinyCheckpoint.write(Files.createTempDirectory("crafted"), "victim", 9, 900);

        // the forger first: unsigned, then signed with its own run's key
        publish("victim", event("victim", forged, 900), null);
        HotReloadTest.await(() -> refusals() >= 1, "an unsigned event is refused");
        var ready = given().get("/q/health/ready");
        assertEquals(503, ready.statusCode());
        assertTrue(ready.asString().contains("checkpoint refused (see the server's log)"), ready.asString());
        assertFalse(ready.asString().contains("sha256"), "the refusal's reason stays in the log: " + ready.asString());
        assertFalse(ready.asString().contains(forged.toString()), ready.asString());

        publish("victim", event("victim", crafted, 900), ATTACKER);
        publish("victim", event("victim", forged, 1_000_000_000_000_000L), ATTACKER);
        HotReloadTest.await(() -> refusals() >= 3, "events signed with another run's key are refused");

        publish("victim", event("victim", genuine, 100), VICTIM);
        HotReloadTest.await(() -> given().get("/q/health/ready").statusCode() == 200, "the genuine event loads");
        assertEquals(100, given().get("/info").jsonPath().getLong("step"));

        // the attacker's own run's event, with a body naming the victim: keyed and signed as the attacker
        publish("attacker", event("victim", forged, 900), ATTACKER);
        // a genuine signature over a body that names another run (a victim's trainer bug, or a replay) is refused too
        publish("victim", event("attacker", forged, 900), VICTIM);
        HotReloadTest.await(() -> refusals() >= 4, "a body naming another run is refused");

        Path next = TinyCheckpoint.write(root, "victim", 6, 200);
        publish("victim", event("victim", next, 200), VICTIM);
        HotReloadTest.await(
                () -> given().get("/info").jsonPath().getLong("step") == 200, "the next genuine step loads");
        assertEquals("victim", given().get("/info").jsonPath().getString("run"));
        HotReloadTest.await(() -> HotReloadTest.deadLetters() >= 4, "the forged records are dead-lettered");
    }
}
