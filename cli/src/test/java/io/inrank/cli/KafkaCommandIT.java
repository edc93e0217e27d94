package io.inrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
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
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code inrank kafka} as its own OS process: ready line, clean stop on SIGTERM, data kept across a restart. */
class KafkaCommandIT {
    @TempDir
    Path tmp;

    @Test
    void runsStopsCleanlyOnSigtermAndKeepsDataAcrossRestart() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String bs = "localhost:" + port;
        Path data = tmp.resolve("data"), logs = tmp.resolve("logs");

        Broker first = Broker.start(port, data, logs);
        try (KafkaProducer<String, String> p = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bs), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 10; i++) p.send(new ProducerRecord<>("persisted", "k", "m" + i));
            p.flush();
        }
        List<String> out = first.stop();
        assertTrue(out.stream().anyMatch(l -> l.contains("kafka: stopped cleanly")), String.join("\n", out));
        assertTrue(Files.size(logs.resolve("broker.log")) > 0, "broker.log written to --log-dir");

        Broker second = Broker.start(port, data, logs);
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bs,
                        ConsumerConfig.GROUP_ID_CONFIG, "it",
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(),
                new StringDeserializer())) {
            c.subscribe(List.of("persisted"));
            List<String> got = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (got.size() < 10 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) got.add(r.value());
            }
            assertEquals(10, got.size(), "records survive a restart on the same --data-dir");
            assertEquals("m9", got.get(9));
        } finally {
            second.stop();
        }
    }

    /** The CLI's main in a child JVM (this test's class path), its output in a file. */
    record Broker(Process process, Path output) {
        static Broker start(int port, Path data, Path logs) throws Exception {
            Path out = Files.createTempFile(data.getParent(), "broker", ".out");
            Process p = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-Xmx512m",
                            "-cp",
                            System.getProperty("java.class.path"),
                            Inrank.class.getName(),
                            "kafka",
                            "--port",
                            String.valueOf(port),
                            "--data-dir",
                            data.toString(),
                            "--log-dir",
                            logs.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.readString(out).contains("kafka: ready on localhost:" + port)) {
                assertTrue(
                        p.isAlive() && System.nanoTime() < deadline, "broker did not start:\n" + Files.readString(out));
                Thread.sleep(100);
            }
            return new Broker(p, out);
        }

        List<String> stop() throws Exception {
            process.destroy(); // SIGTERM
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "stopped within 60 s");
            return Files.readAllLines(output);
        }
    }
}
