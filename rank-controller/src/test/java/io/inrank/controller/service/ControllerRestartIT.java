package io.inrank.controller.service;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.controller.state.RunState;
import io.inrank.kafka.KafkaLocal;
import io.inrank.protocol.Messages;
import io.inrank.protocol.RankDecision;
import io.inrank.protocol.SpectrumReport;
import io.inrank.protocol.Topics;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged controller killed (SIGKILL) in the middle of a run and started again: a repeated report gets the very
 * same decision, and later decisions equal those of a controller that never stopped.
 */
class ControllerRestartIT {

    @TempDir
    Path tmp;

    @Test
    void restartInTheMiddleOfARunGivesIdenticalLaterDecisions() throws Exception {
        try (KafkaLocal kafka = KafkaLocal.start()) {
            String bs = kafka.bootstrapServers();
            SpectrumReport s225 = ControllerServiceTest.report("restart", 225, 2, 21);
            Process a = start(bs);
            try {
                send(bs, s225);
                RankDecision d225 = awaitDecision(bs, "restart", 225, 1).get(0);
                send(
                        bs,
                        ControllerServiceTest.report(
                                "restart", 250, d225.layers().get(0).newRank(), 22));
                awaitDecision(bs, "restart", 250, 1);
            } finally {
                a.destroyForcibly();
                a.waitFor(30, TimeUnit.SECONDS);
            }
            RankDecision d225 = awaitDecision(bs, "restart", 225, 1).get(0);
            RankDecision d250 = awaitDecision(bs, "restart", 250, 1).get(0);
            SpectrumReport s250 = ControllerServiceTest.report(
                    "restart", 250, d225.layers().get(0).newRank(), 22);
            SpectrumReport s275 = ControllerServiceTest.report(
                    "restart", 275, d250.layers().get(0).newRank(), 23);

            Process b = start(bs);
            try {
                send(bs, s250); // a trainer re-sending after the crash
                send(bs, s275);
                List<RankDecision> again = awaitDecision(bs, "restart", 250, 2);
                assertEquals(
                        Messages.toJson(d250, false),
                        Messages.toJson(again.get(1), false),
                        "repeat: the stored decision");
                RankDecision after = awaitDecision(bs, "restart", 275, 1).get(0);

                // a controller that never stopped
                RunState s = Decider.decide(s225, null).state();
                s = Decider.decide(s250, s).state();
                RankDecision uninterrupted = Decider.decide(s275, s).decision();
                assertEquals(uninterrupted.layers(), after.layers());
            } finally {
                b.destroy();
                b.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private Process start(String bootstrap) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(
                        java,
                        "-Xmx512m",
                        "-Dkafka.bootstrap.servers=" + bootstrap,
                        "-Dquarkus.http.port=0",
                        "-jar",
                        System.getProperty("controller.jar"))
                .redirectErrorStream(true)
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        String line;
        StringBuilder seen = new StringBuilder();
        while ((line = out.readLine()) != null && System.nanoTime() < deadline) {
            seen.append(line).append('\n');
            if (line.contains("runs restored from")) break;
        }
        assertTrue(line != null && line.contains("runs restored"), "controller did not start:\n" + seen);
        Thread drain = new Thread(() -> out.lines().forEach(l -> {}));
        drain.setDaemon(true);
        drain.start();
        return p;
    }

    private static void send(String bs, SpectrumReport r) {
        try (var p = new KafkaProducer<>(
                Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bs),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(Topics.SPECTRA, r.run().getBytes(StandardCharsets.UTF_8), Messages.encode(r)));
        }
    }

    private static List<RankDecision> awaitDecision(String bs, String run, long step, int count) {
        List<RankDecision> out = new ArrayList<>();
        try (var c = new KafkaConsumer<>(
                Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bs),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(Topics.RANK_DECISIONS, 0);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                if (!c.assignment().contains(tp)) {
                    if (c.partitionsFor(Topics.RANK_DECISIONS, Duration.ofSeconds(5))
                            .isEmpty()) continue;
                    c.assign(List.of(tp));
                    c.seekToBeginning(List.of(tp));
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    RankDecision d = Messages.decode(r.value(), RankDecision.class);
                    if (d.run().equals(run) && d.step() == step) out.add(d);
                }
            }
        }
        assertEquals(count, out.size(), "decisions for " + run + "@" + step);
        return out;
    }
}
