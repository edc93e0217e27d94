package io.inrank.controller.service;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.*;

import io.inrank.controller.state.RunState;
import io.inrank.kafka.KafkaLocalTestResource;
import io.inrank.protocol.DeadLetters;
import io.inrank.protocol.Messages;
import io.inrank.protocol.RankDecision;
import io.inrank.protocol.SpectrumReport;
import io.inrank.protocol.Topics;
import io.inrank.rank.RankRule;
import io.inrank.rank.RatioPolicy;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
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

/** The service on a real broker: report in → decision out, repeats, dead letters, REST, metrics, state rebuild. */
@QuarkusTest
@QuarkusTestResource(value = KafkaLocalTestResource.class, restrictToAnnotatedClass = true)
class ControllerServiceTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    static double[] spectrum(Random r, int n, int nonZero) {
        double[] s = new double[n];
        for (int i = 0; i < nonZero; i++) s[i] = Math.pow(0.93, i) * (1 + 0.001 * r.nextDouble());
        return s;
    }

    static SpectrumReport report(String run, long step, int rank, long seed) {
        Random r = new Random(seed);
        return new SpectrumReport(
                1,
                run,
                step,
                List.of(
                        new SpectrumReport.LayerSpectrum(
                                "h.0.mlp.fc1", 64, 256, rank, 8, 32, spectrum(r, 64, rank + 8)),
                        new SpectrumReport.LayerSpectrum(
                                "h.0.mlp.fc2", 256, 64, rank, 8, 32, spectrum(r, 64, rank + 8))),
                null,
                Map.of("alpha", 0.9));
    }

    void send(String run, byte[] value) {
        try (var p = new KafkaProducer<>(
                Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(Topics.SPECTRA, run.getBytes(StandardCharsets.UTF_8), value));
        }
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
        }
        return out;
    }

    static Predicate<ConsumerRecord<byte[], byte[]>> decisionOf(String run, long step) {
        return r -> {
            RankDecision d = Messages.decode(r.value(), RankDecision.class);
            return d.run().equals(run) && d.step() == step;
        };
    }

    @Test
    void aThousandMalformedRecordsAreAllDeadLetteredAndTheNextReportIsStillAnswered() {
        Random r = new Random(11);
        try (var p = new KafkaProducer<>(
                Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < 1000; i++) {
                byte[] junk = new byte[1 + r.nextInt(64)];
                r.nextBytes(junk);
                p.send(new ProducerRecord<>(Topics.SPECTRA, "run-junk".getBytes(StandardCharsets.UTF_8), junk));
            }
        }
        send("run-junk", Messages.encode(report("run-junk", 300, 2, 8)));
        assertEquals(
                1, await(Topics.RANK_DECISIONS, 1, decisionOf("run-junk", 300)).size());
        var dead = await(
                Topics.DEAD_LETTER, 1000, rec -> new String(rec.key(), StandardCharsets.UTF_8).equals("run-junk"));
        assertEquals(1000, dead.size());
    }

    @Test
    void decidesRepeatsIdenticallyDeadLettersGarbageAndServesHistory() {
        SpectrumReport first = report("run-a", 225, 2, 1);
        send("run-a", Messages.encode(first));
        RankDecision d1 = Messages.decode(
                await(Topics.RANK_DECISIONS, 1, decisionOf("run-a", 225)).get(0).value(), RankDecision.class);
        int expected = RankRule.decide(
                        first.layers().get(0).singularValues(), 2, 8, 32, 0.9, RatioPolicy.EXPLAINED_VARIANCE)
                .newRank();
        assertEquals(expected, d1.layers().get(0).newRank());
        assertEquals("explained-variance", d1.policy());

        // the same (run, step) again: the stored decision, byte for byte
        send("run-a", Messages.encode(first));
        List<ConsumerRecord<byte[], byte[]>> both = await(Topics.RANK_DECISIONS, 2, decisionOf("run-a", 225));
        assertEquals(2, both.size());
        assertArrayEquals(both.get(0).value(), both.get(1).value());

        // garbage, a NaN spectrum and a step going backwards are dead-lettered; the next valid report is answered
        send("run-a", "not json".getBytes(StandardCharsets.UTF_8));
        SpectrumReport nan = report("run-a", 250, 2, 2);
        nan.layers().get(1).singularValues()[3] = Double.NaN;
        send("run-a", Messages.encode(nan));
        send("run-a", Messages.encode(report("run-a", 200, 2, 3)));
        SpectrumReport next = report("run-a", 250, d1.layers().get(0).newRank(), 4);
        send("run-a", Messages.encode(next));
        var dead = await(
                Topics.DEAD_LETTER,
                3,
                r -> "rank-controller".equals(DeadLetters.header(r, DeadLetters.CONSUMER))
                        && new String(r.key(), StandardCharsets.UTF_8).equals("run-a"));
        assertEquals(3, dead.size());
        assertTrue(DeadLetters.header(dead.get(0), DeadLetters.REASON).startsWith("SpectrumReport:"));
        assertTrue(DeadLetters.header(dead.get(1), DeadLetters.REASON).contains("is NaN"));
        assertTrue(DeadLetters.header(dead.get(2), DeadLetters.REASON).contains("goes backwards"));
        RankDecision d2 = Messages.decode(
                await(Topics.RANK_DECISIONS, 1, decisionOf("run-a", 250)).get(0).value(), RankDecision.class);
        assertTrue(d2.layers().get(0).newRank() >= d1.layers().get(0).newRank(), "never shrinks");

        // a controller rebuilt from inrank.rank-state decides the next step exactly as this one does
        var states = await(Topics.RANK_STATE, 2, r -> new String(r.key(), StandardCharsets.UTF_8).equals("run-a"));
        RunState rebuilt = Messages.decode(states.get(states.size() - 1).value(), RunState.class);
        assertEquals(2, rebuilt.recent().size());
        SpectrumReport third = report("run-a", 275, d2.layers().get(0).newRank(), 5);
        send("run-a", Messages.encode(third));
        RankDecision live = Messages.decode(
                await(Topics.RANK_DECISIONS, 1, decisionOf("run-a", 275)).get(0).value(), RankDecision.class);
        try {
            RankDecision replay = Decider.decide(third, rebuilt).decision();
            assertEquals(live.layers(), replay.layers());
        } catch (Decider.Rejected e) {
            fail(e);
        }

        given().get("/runs").then().statusCode(200).body(containsString("\"run\":\"run-a\""));
        given().get("/runs/run-a").then().statusCode(200).body(containsString("h.0.mlp.fc1"));
        given().get("/runs/run-a/history?layer=h.0.mlp.fc2")
                .then()
                .statusCode(200)
                .body(containsString("\"step\":225"))
                .body(containsString("\"step\":275"));
        given().get("/runs/nope").then().statusCode(404);
        given().get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("inrank_controller_rank{layer=\"h.0.mlp.fc1\",run=\"run-a\"}"))
                .body(containsString("inrank_controller_dead_letters_total"));
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/openapi").then().statusCode(200).body(containsString("/runs/{run}/history"));
    }
}
