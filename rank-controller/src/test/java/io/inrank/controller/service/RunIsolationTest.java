package io.inrank.controller.service;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.*;

import io.inrank.controller.Spectra;
import io.inrank.kafka.KafkaLocalTestResource;
import io.inrank.protocol.DeadLetters;
import io.inrank.protocol.Messages;
import io.inrank.protocol.RankDecision;
import io.inrank.protocol.RunKey;
import io.inrank.protocol.SpectrumReport;
import io.inrank.protocol.Topics;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The controller with a run-key master, attacked by a client that may write {@code inrank.spectra} (the shared
 * {@code trainer} login): forged reports for a victim run — unsigned, signed with a wrong key, with another run's key,
 * at step 10^15, with a bogus layer before the victim's first report — are dead-lettered with their reason and counted,
 * and the victim's genuine reports get exactly the decisions of a run nobody attacked.
 */
@QuarkusTest
@TestProfile(RunIsolationTest.Isolated.class)
@QuarkusTestResource(value = KafkaLocalTestResource.class, restrictToAnnotatedClass = true)
class RunIsolationTest {
    static final String MASTER = "isolation-test-master-0123456789abcdef0123456789";
    static final byte[] MASTER_BYTES = RunKey.master(MASTER);
    static final long FAR = 1_000_000_000_000_000L;

    public static class Isolated implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("inrank.controller.run-key-master", MASTER);
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    static RunKey key(String run) {
        return RunKey.derive(MASTER_BYTES, run);
    }

    static ProducerRecord<byte[], byte[]> record(String key, SpectrumReport r) {
        return new ProducerRecord<>(Topics.SPECTRA, key.getBytes(StandardCharsets.UTF_8), Messages.encode(r));
    }

    void send(ProducerRecord<byte[], byte[]> r) {
        try (var p = new KafkaProducer<>(
                Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            p.send(r);
        }
    }

    /** The trainer's report at {@code step} with the ranks of its previous decision. */
    static SpectrumReport genuine(String run, long step, RankDecision previous) {
        List<String> names = Spectra.names(2);
        int[] ranks = new int[names.size()];
        for (int i = 0; i < ranks.length; i++)
            ranks[i] = previous == null ? 2 : previous.layers().get(i).newRank();
        return Spectra.report(run, step, names, ranks, 64, 8, 32, (int) (step / 25));
    }

    static SpectrumReport bogusLayer(String run, long step) {
        List<String> names = new ArrayList<>(Spectra.names(2));
        names.set(1, "h.0.mlp.bogus");
        return Spectra.report(run, step, names, new int[] {2, 2, 2, 2}, 64, 8, 32, 3);
    }

    /** Sends a run's genuine (signed) report and returns the decision it got. */
    RankDecision check(String run, long step, RankDecision previous) {
        send(key(run).signed(record(run, genuine(run, step, previous))));
        var d = await(Topics.RANK_DECISIONS, 1, decisionOf(run, step));
        assertEquals(1, d.size(), "decision of " + run + "@" + step);
        return Messages.decode(d.get(0).value(), RankDecision.class);
    }

    @Test
    void forgedReportsAreRefusedCountedAndChangeNothingForTheVictim() {
        String victim = "victim", control = "control", attacker = "attacker";
        RunKey wrong = RunKey.derive(RunKey.master("another-master-0123456789abcdef0123456789"), victim);

        // before the victim's first report: a bogus layer set, unsigned; then step 10^15 with a wrong key
        send(record(victim, bogusLayer(victim, 100)));
        send(wrong.signed(record(victim, genuine(victim, FAR, null))));
        // the attacker's own key on the victim's record, and on its own record carrying the victim's report
        send(key(attacker).signed(record(victim, genuine(victim, 200, null))));
        send(key(attacker).signed(record(attacker, genuine(victim, 200, null))));
        // a run nobody runs: refused, and no metric series of its own
        send(record("ghost-1", genuine("ghost-1", 10, null)));

        List<RankDecision> victims = new ArrayList<>(), controls = new ArrayList<>();
        RankDecision v = null, c = null;
        for (long step = 225; step <= 300; step += 25) {
            v = check(victim, step, v);
            c = check(control, step, c);
            victims.add(v);
            controls.add(c);
            if (step == 225) {
                // the victim is known now: unsigned and mis-signed reports far ahead or with bogus layers
                send(record(victim, genuine(victim, FAR, v)));
                send(wrong.signed(record(victim, bogusLayer(victim, 240))));
                send(record(victim, genuine(victim, 240, v)));
                // its own trainer, signed, but far ahead or with other layers: refused for what they are
                send(key(victim).signed(record(victim, genuine(victim, 225 + Decider.DEFAULT_MAX_STEP_JUMP + 1, v))));
                send(key(victim).signed(record(victim, bogusLayer(victim, 240))));
            }
        }
        for (int i = 0; i < victims.size(); i++) {
            assertEquals(
                    controls.get(i).layers(),
                    victims.get(i).layers(),
                    "step " + victims.get(i).step());
            assertEquals(controls.get(i).step(), victims.get(i).step());
        }
        assertTrue(victims.get(victims.size() - 1).layers().get(0).newRank() > 2, "the ranks grew: " + victims);
        assertEquals(
                List.of(225L, 250L, 275L, 300L),
                await(Topics.RANK_DECISIONS, 4, r -> key(r).equals(victim)).stream()
                        .map(r -> Messages.decode(r.value(), RankDecision.class).step())
                        .toList(),
                "no decision for any forged report");

        var dead = await(
                Topics.DEAD_LETTER, 10, r -> "rank-controller".equals(DeadLetters.header(r, DeadLetters.CONSUMER)));
        List<String> reasons = dead.stream()
                .map(r -> DeadLetters.header(r, DeadLetters.REASON))
                .toList();
        assertEquals(10, reasons.size(), reasons.toString());
        assertTrue(reasons.get(0).contains("not signed"), reasons.get(0));
        assertTrue(reasons.get(1).contains("signature is not run victim's"), reasons.get(1));
        assertTrue(reasons.get(2).contains("signature is not run victim's"), reasons.get(2));
        assertTrue(reasons.get(3).contains("is for run victim but its record key"), reasons.get(3));
        assertTrue(reasons.get(4).contains("not signed"), reasons.get(4));
        assertTrue(reasons.get(5).contains("not signed"), reasons.get(5));
        assertTrue(reasons.get(6).contains("signature is not run victim's"), reasons.get(6));
        assertTrue(reasons.get(7).contains("not signed"), reasons.get(7));
        assertTrue(reasons.get(8).contains("more than max-step-jump 100000"), reasons.get(8));
        assertTrue(reasons.get(9).contains("layer h.0.mlp.bogus is unknown to run victim"), reasons.get(9));

        String metrics =
                given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertEquals(4.0, rejected(metrics, "unknown", "signature"), "before the victim had state\n" + metrics);
        assertEquals(1.0, rejected(metrics, "unknown", "run"));
        assertEquals(3.0, rejected(metrics, "victim", "signature"));
        assertEquals(1.0, rejected(metrics, "victim", "step"));
        assertEquals(1.0, rejected(metrics, "victim", "layers"));
        assertFalse(metrics.contains("ghost-1") || metrics.contains("run=\"attacker\""), "no series for forged runs");
        given().get("/runs/victim")
                .then()
                .statusCode(200)
                .body(org.hamcrest.Matchers.containsString("h.0.mlp.fc2"))
                .body(org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString("bogus")));
    }

    static double rejected(String metrics, String run, String reason) {
        Matcher m = Pattern.compile("inrank_controller_rejected_total\\{[^}]*reason=\"" + reason + "\",run=\"" + run
                        + "\"[^}]*} ([0-9.]+)")
                .matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    static String key(ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
    }

    static Predicate<ConsumerRecord<byte[], byte[]>> decisionOf(String run, long step) {
        return r -> {
            RankDecision d = Messages.decode(r.value(), RankDecision.class);
            return d.run().equals(run) && d.step() == step;
        };
    }

    List<ConsumerRecord<byte[], byte[]>> await(
            String topic, int count, Predicate<ConsumerRecord<byte[], byte[]>> match) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (var c = new KafkaConsumer<>(
                Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                for (var r : c.poll(Duration.ofMillis(200))) if (match.test(r)) out.add(r);
            }
            // anything more that is already there (a forged report must not have been answered)
            for (var r : c.poll(Duration.ofMillis(500))) if (match.test(r)) out.add(r);
        }
        return out;
    }
}
