package io.inrank.ingest;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.ingest.kafka.KafkaClients;
import io.inrank.ingest.kafka.ManifestStore;
import io.inrank.ingest.kafka.TopicAdmin;
import io.inrank.kafka.KafkaLocal;
import io.inrank.protocol.DatasetManifest;
import io.inrank.protocol.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged data-ingest, killed with SIGKILL half-way through a split and started again, leaves every block on the
 * topic exactly once, and the topic reproduces the source's token stream.
 */
class KilledIngestIT {

    @TempDir
    Path tmp;

    @Test
    void killMinusNineThenRerunGivesEveryBlockExactlyOnce() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int part = 0; sb.length() < 12_000_000; part++) sb.append(Fixtures.wikiText(200, 12, 1000 + part));
        String text = sb.toString();
        Path dir = tmp.resolve("corpus");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("train.txt"), text);
        int L = 128;
        int[] ref = Fixtures.referenceTokens(text);
        long expectedBlocks = (ref.length - 1) / L;

        try (KafkaLocal kafka = KafkaLocal.start()) {
            KafkaClients clients = new KafkaClients(kafka.bootstrapServers(), Map.of(), "lz4");
            String topic = Topics.tokens("killed", "train");
            List<String> cmd = List.of(
                    "ingest",
                    "--source",
                    dir.toString(),
                    "--dataset",
                    "killed",
                    "--splits",
                    "train",
                    "--block-length",
                    String.valueOf(L),
                    "--bootstrap",
                    kafka.bootstrapServers(),
                    "--no-progress");

            // 1. throttled run, killed once a fifth of the blocks are on the topic
            List<String> slow = new ArrayList<>(cmd);
            slow.addAll(List.of("--max-mb-per-s", "2"));
            Process p = start(slow, tmp.resolve("run1.log"));
            long seen = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            try (var c = clients.reader();
                    var admin = clients.admin()) {
                while (System.nanoTime() < deadline && p.isAlive()) {
                    if (TopicAdmin.exists(admin, topic)) {
                        seen = TopicAdmin.endOffset(c, topic);
                        if (seen > expectedBlocks / 5) break;
                    }
                    Thread.sleep(100);
                }
            }
            assertTrue(
                    p.isAlive(),
                    "ingest finished before it could be killed: " + Files.readString(tmp.resolve("run1.log")));
            p.destroyForcibly(); // SIGKILL: no shutdown hooks, no flush
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, p.exitValue(), "killed by SIGKILL");

            DatasetManifest none = new ManifestStore(clients).latest(Topics.manifestKey("killed", "train"));
            assertNull(none, "no manifest after a kill");
            long partial = TopicReader.readAll(kafka.bootstrapServers(), topic).size();
            assertTrue(partial > 0 && partial < expectedBlocks, "partial topic: " + partial + " of " + expectedBlocks);

            // 2. the same command again, unthrottled
            Process again = start(cmd, tmp.resolve("run2.log"));
            assertTrue(again.waitFor(300, TimeUnit.SECONDS));
            String out = Files.readString(tmp.resolve("run2.log"));
            assertEquals(0, again.exitValue(), out);
            assertTrue(out.contains("\"status\":\"resumed\""), out);
            assertTrue(out.contains("\"resumedFrom\":" + partial), out);
            System.out.printf(
                    "killed after %d of %d blocks; re-run sent %d%n",
                    partial, expectedBlocks, expectedBlocks - partial);

            List<ConsumerRecord<byte[], byte[]>> recs = TopicReader.readAll(kafka.bootstrapServers(), topic);
            assertEquals(expectedBlocks, recs.size(), "every block exactly once");
            assertArrayEquals(Arrays.copyOf(ref, (int) (expectedBlocks * L + 1)), TopicReader.tokenStream(recs, L));
            DatasetManifest m = new ManifestStore(clients).latest(Topics.manifestKey("killed", "train"));
            assertTrue(m.done());
            assertEquals(ref.length, m.tokens());
            assertEquals(IngestorKafkaTest.sha256LE(ref), m.tokensSha256());
        }
    }

    private static Process start(List<String> args, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx1g", "-jar", System.getProperty("ingest.jar")));
        cmd.addAll(args);
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }
}
