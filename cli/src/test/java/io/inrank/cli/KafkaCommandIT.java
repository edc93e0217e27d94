package io.inrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.Topics;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicAuthorizationException;
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

    @Test
    void secureGivesEveryServiceItsOwnLoginAndOnlyItsGrants() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path data = tmp.resolve("secure-data"), logs = tmp.resolve("logs"), users = tmp.resolve("users");
        Files.createDirectories(data);
        Broker first = Broker.start(port, data, logs, "--secure", "--users-dir", users.toString());
        KafkaClientConfig trainer = login(users.resolve("trainer.env"));
        assertEquals("localhost:" + port, trainer.bootstrap());
        assertEquals(
                "rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(users.resolve("trainer.env"))));
        send(trainer, Topics.SPECTRA); // its grant
        var refused = assertThrows(ExecutionException.class, () -> send(trainer, Topics.DATASETS));
        assertInstanceOf(TopicAuthorizationException.class, refused.getCause());
        first.stop();

        // the same logins after a restart; the data dir cannot go back to plain... nor a plain one become secure
        Broker second = Broker.start(port, data, logs, "--secure", "--users-dir", users.toString());
        try {
            send(login(users.resolve("trainer.env")), Topics.SPECTRA);
        } finally {
            second.stop();
        }
        Path plain = tmp.resolve("plain-data");
        Broker.start(port, plain, logs).stop();
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        Inrank.class.getName(),
                        "kafka",
                        "--secure",
                        "--port",
                        "0",
                        "--data-dir",
                        plain.toString(),
                        "--users-dir",
                        tmp.resolve("other-users").toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(2, p.waitFor(), out);
        assertTrue(out.contains("was first started without --secure"), out);
    }

    /** A client from a {@code <user>.env} file, read the way a shell would set the variables. */
    static KafkaClientConfig login(Path env) throws Exception {
        Map<String, String> vars = new java.util.HashMap<>();
        for (String line : Files.readAllLines(env)) {
            if (line.startsWith("#") || !line.contains("=")) continue;
            String value = line.substring(line.indexOf('=') + 1);
            if (value.startsWith("'")) value = value.substring(1, value.length() - 1);
            vars.put(line.substring(0, line.indexOf('=')), value);
        }
        return KafkaClientConfig.fromConfig(
                key -> java.util.Optional.ofNullable(
                        vars.get(key.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_"))),
                "none");
    }

    static void send(KafkaClientConfig c, String topic) throws Exception {
        try (var p = c.producer("it", Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000))) {
            p.send(new ProducerRecord<>(topic, new byte[] {1}, new byte[] {1})).get(20, TimeUnit.SECONDS);
        }
    }

    /** The CLI's main in a child JVM (this test's class path), its output in a file. */
    record Broker(Process process, Path output) {
        static Broker start(int port, Path data, Path logs, String... more) throws Exception {
            Path out = Files.createTempFile(data.getParent(), "broker", ".out");
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
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
                    logs.toString()));
            cmd.addAll(List.of(more));
            Process p = new ProcessBuilder(cmd)
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
