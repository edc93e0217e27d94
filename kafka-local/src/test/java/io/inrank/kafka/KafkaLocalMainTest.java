package io.inrank.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./inrank kafka}: the broker as its own OS process, stopped with SIGTERM, restarted on the same data. */
class KafkaLocalMainTest {

    @TempDir
    Path tmp;

    @Test
    void runsAsItsOwnProcessStopsCleanlyAndKeepsDataAcrossRestart() throws Exception {
        int port = KafkaLocal.freePort();
        Path data = tmp.resolve("data");
        Path logs = tmp.resolve("logs");
        String topic = "persisted";

        Process first = start(port, data, logs);
        try {
            BrokerContract client = client(port);
            try (var p = client.producer(Map.of())) {
                for (int i = 0; i < 10; i++) p.send(new ProducerRecord<>(topic, "k", "m" + i));
                p.flush();
            }
        } finally {
            stop(first);
        }
        assertEquals(0, first.exitValue() == 143 ? 0 : first.exitValue(), "clean exit on SIGTERM");
        assertTrue(
                Files.readString(logs.resolve("broker.log")).contains("Kafka Server started")
                        || Files.size(logs.resolve("broker.log")) > 0,
                "broker.log written to --log-dir");

        Process second = start(port, data, logs);
        try {
            List<String> got = client(port).consumeAll(topic, 10);
            assertEquals(10, got.size(), "records survive a restart on the same --data-dir");
            assertEquals("m9", got.get(9));
        } finally {
            stop(second);
        }
    }

    private static BrokerContract client(int port) {
        return new BrokerContract() {
            @Override
            String bootstrap() {
                return "localhost:" + port;
            }
        };
    }

    private static Process start(int port, Path data, Path logs) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(
                        java,
                        "-Xmx512m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        KafkaLocalMain.class.getName(),
                        "--port",
                        String.valueOf(port),
                        "--data-dir",
                        data.toString(),
                        "--log-dir",
                        logs.toString())
                .redirectErrorStream(true)
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        String line;
        while ((line = out.readLine()) != null) {
            if (line.contains("kafka-local: ready on localhost:" + port)) break;
            if (System.nanoTime() > deadline) break;
        }
        assertTrue(line != null && line.contains("ready"), "broker process did not report ready");
        Thread drain = new Thread(() -> out.lines().forEach(l -> {}), "drain");
        drain.setDaemon(true);
        drain.start();
        return p;
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy(); // SIGTERM, as Ctrl-C / kill would
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("broker did not stop within 60 s of SIGTERM");
        }
    }
}
