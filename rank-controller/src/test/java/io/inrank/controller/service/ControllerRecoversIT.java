package io.inrank.controller.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inrank.kafka.KafkaLocal;
import io.inrank.kafka.Secured;
import io.inrank.protocol.Access;
import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.Messages;
import io.inrank.protocol.RankDecision;
import io.inrank.protocol.SpectrumReport;
import io.inrank.protocol.TopicSetup;
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
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged controller on a secured broker whose ACLs lack its consumer group: it starts, its consumer is refused,
 * and it keeps retrying — logged and counted — instead of sitting there healthy and deaf; once the grant is added it
 * answers the report that waited.
 */
class ControllerRecoversIT {
    @TempDir
    Path tmp;

    @Test
    void aRefusedConsumerIsRetriedUntilTheGrantArrives() throws Exception {
        String password = "controller-pw";
        try (KafkaLocal kafka = KafkaLocal.builder()
                .dataDir(tmp.resolve("kafka"))
                .scram("admin-pw", Map.of("rank-controller", password))
                .start()) {
            KafkaClientConfig admin = new KafkaClientConfig(
                    kafka.bootstrapServers(), Secured.clientProperties(Secured.ADMIN, "admin-pw"));
            try (Admin a = admin.admin("it")) {
                TopicSetup.ensure(a, Topics.ALL);
                a.createAcls(Access.bindings("rank-controller", "User:rank-controller").stream()
                                .filter(b -> b.pattern().resourceType() != ResourceType.GROUP)
                                .toList())
                        .all()
                        .get();
            }
            StringBuffer out = new StringBuffer();
            Process p = start(kafka.bootstrapServers(), Secured.clientProperties("rank-controller", password), out);
            try {
                SpectrumReport r = ControllerServiceTest.report("recover", 225, 2, 21);
                try (KafkaProducer<byte[], byte[]> prod = admin.reliableProducer("it")) {
                    prod.send(new ProducerRecord<>(
                                    Topics.SPECTRA, r.run().getBytes(StandardCharsets.UTF_8), Messages.encode(r)))
                            .get();
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!out.toString().contains("retrying in 5 s")) {
                    assertTrue(p.isAlive() && System.nanoTime() < deadline, "no retry logged:\n" + out);
                    Thread.sleep(100);
                }
                assertTrue(out.toString().contains("Not authorized to access group"), out.toString());
                assertEquals(List.of(), decisions(admin), "nothing answered without the group grant");
                try (Admin a = admin.admin("it")) {
                    a.createAcls(Access.bindings("rank-controller", "User:rank-controller").stream()
                                    .filter(b -> b.pattern().resourceType() == ResourceType.GROUP)
                                    .toList())
                            .all()
                            .get();
                }
                List<Long> answered = List.of();
                deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (answered.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(500);
                    answered = decisions(admin);
                }
                assertEquals(List.of(225L), answered, "answered once the grant arrived:\n" + out);
            } finally {
                p.destroy();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    static List<Long> decisions(KafkaClientConfig kafka) {
        List<Long> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = kafka.consumer("it", Map.of())) {
            TopicPartition tp = new TopicPartition(Topics.RANK_DECISIONS, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end)
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200)))
                    out.add(Messages.decode(r.value(), RankDecision.class).step());
        }
        return out;
    }

    static Process start(String bootstrap, Map<String, String> login, StringBuffer out) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-Dkafka.bootstrap.servers=" + bootstrap,
                "-Dquarkus.http.port=0"));
        login.forEach((k, v) -> cmd.add("-Dkafka." + k + "=" + v));
        cmd.addAll(List.of("-jar", System.getProperty("controller.jar")));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Thread drain =
                new Thread(() -> new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))
                        .lines()
                        .forEach(l -> out.append(l).append('\n')));
        drain.setDaemon(true);
        drain.start();
        return p;
    }
}
