package io.inrank.ingest;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.ingest.IngestListener.SplitResult;
import io.inrank.ingest.IngestListener.Status;
import io.inrank.ingest.kafka.KafkaClients;
import io.inrank.ingest.kafka.ManifestStore;
import io.inrank.ingest.source.BadInputException;
import io.inrank.ingest.source.CorpusSource;
import io.inrank.ingest.source.Sources;
import io.inrank.kafka.KafkaLocal;
import io.inrank.kafka.KafkaLocalExtension;
import io.inrank.protocol.DatasetManifest;
import io.inrank.protocol.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Ingest against a real broker: the topic read back reproduces the source's exact token stream. */
@ExtendWith(KafkaLocalExtension.class)
class IngestorKafkaTest {

    static KafkaClients clients;

    @TempDir
    Path tmp;

    @BeforeAll
    static void broker(KafkaLocal kafka) {
        clients = new KafkaClients(kafka.bootstrapServers(), Map.of(), "lz4");
    }

    static List<SplitResult> ingest(CorpusSource c, IngestSettings s) throws Exception {
        try (Ingestor i = new Ingestor(clients, s, IngestListener.NONE)) {
            return i.ingest(c);
        }
    }

    static DatasetManifest manifest(String dataset, String split) {
        return new ManifestStore(clients).latest(Topics.manifestKey(dataset, split));
    }

    @Test
    void everyLayoutRoundTripsTheExactTokenStream() throws Exception {
        Map<String, String> text = Fixtures.splits(21);
        Map<String, Path> layouts = Map.of(
                "dir", Fixtures.writeDir(tmp.resolve("dir"), text),
                "zip", Fixtures.writeZip(tmp.resolve("fixture-wikitext.zip"), text),
                "parquet", Fixtures.writeParquet(tmp.resolve("pq"), text, 2));
        int L = 64;
        for (var layout : layouts.entrySet()) {
            String dataset = "rt-" + layout.getKey();
            List<SplitResult> rs = ingest(
                    Sources.open(layout.getValue().toString(), tmp),
                    IngestSettings.defaults(dataset).withBlockLength(L));
            assertEquals(3, rs.size());
            for (String split : List.of("train", "validation", "test")) {
                int[] ref = Fixtures.referenceTokens(text.get(split));
                assertEquals(Fixtures.referenceCount(text.get(split)), ref.length, "two independent counts agree");
                DatasetManifest m = manifest(dataset, split);
                assertNotNull(m, dataset + "/" + split);
                assertTrue(m.done());
                assertEquals(ref.length, m.tokens(), layout.getKey() + " " + split + " token count");
                assertEquals((ref.length - 1) / L, m.blocks());
                assertEquals(L, m.blockLength());
                assertEquals(sha256LE(ref), m.tokensSha256());
                List<ConsumerRecord<byte[], byte[]>> recs = TopicReader.readAll(clients.bootstrap(), m.topic());
                assertEquals(m.blocks(), recs.size());
                int[] back = TopicReader.tokenStream(recs, L);
                int kept = (int) (m.blocks() * L + 1);
                assertArrayEquals(Arrays.copyOf(ref, kept), back, layout.getKey() + " " + split + " stream");
            }
        }
        // the three layouts hold the same text, so the same tokens (their source hashes differ)
        assertEquals(
                manifest("rt-dir", "train").tokensSha256(),
                manifest("rt-parquet", "train").tokensSha256());
        assertEquals(
                manifest("rt-zip", "test").tokensSha256(),
                manifest("rt-parquet", "test").tokensSha256());
    }

    @Test
    void rerunIsANoOpDifferentSourcesAreRefusedForceReplaces() throws Exception {
        Path dir = Fixtures.writeDir(tmp.resolve("a"), Fixtures.splits(31));
        IngestSettings s = IngestSettings.defaults("rerun").withBlockLength(32);
        List<SplitResult> first = ingest(Sources.open(dir.toString(), tmp), s);
        assertTrue(first.stream().allMatch(r -> r.status() == Status.INGESTED));
        long blocks = manifest("rerun", "train").blocks();

        List<SplitResult> again = ingest(Sources.open(dir.toString(), tmp), s);
        assertTrue(again.stream().allMatch(r -> r.status() == Status.UNCHANGED && r.blocksSent() == 0));
        assertEquals(
                blocks,
                TopicReader.readAll(clients.bootstrap(), Topics.tokens("rerun", "train"))
                        .size());

        Files.writeString(dir.resolve("wiki.train.raw"), Fixtures.wikiText(5, 5, 99));
        var e = assertThrows(BadInputException.class, () -> ingest(Sources.open(dir.toString(), tmp), s));
        assertTrue(e.getMessage().startsWith("rerun/train is already ingested from other sources"), e.getMessage());
        assertEquals(blocks, manifest("rerun", "train").blocks(), "the finished split is untouched");

        List<SplitResult> forced = ingest(Sources.open(dir.toString(), tmp), s.withForce(true));
        DatasetManifest m = manifest("rerun", "train");
        assertEquals(Fixtures.referenceTokens(Fixtures.wikiText(5, 5, 99)).length, m.tokens());
        assertEquals(
                m.blocks(), TopicReader.readAll(clients.bootstrap(), m.topic()).size(), "old blocks gone");
        assertEquals(Status.INGESTED, forced.get(0).status());
    }

    @Test
    void aCrashMidwayThenRerunWritesEveryBlockExactlyOnce() throws Exception {
        String text = Fixtures.wikiText(60, 12, 41);
        Path dir = tmp.resolve("crash");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("train.txt"), text);
        IngestSettings s = IngestSettings.defaults("crash").withBlockLength(16).withSplits(List.of("train"));
        // Crash after a few thousand blocks: the listener throws, as a dying process would stop.
        IngestListener dying = new IngestListener() {
            @Override
            public void progress(String split, long bytes, long total, long tokens, long sent) {
                if (sent > 2000) throw new IllegalStateException("simulated crash");
            }
        };
        try (Ingestor i = new Ingestor(clients, s, dying)) {
            assertThrows(IllegalStateException.class, () -> i.ingest(Sources.open(dir.toString(), tmp)));
        }
        assertNull(manifest("crash", "train"), "no manifest for an unfinished split");
        long partial = TopicReader.readAll(clients.bootstrap(), Topics.tokens("crash", "train"))
                .size();
        assertTrue(partial > 2000, "some blocks were written before the crash: " + partial);

        SplitResult r = ingest(Sources.open(dir.toString(), tmp), s).get(0);
        assertEquals(Status.RESUMED, r.status());
        assertEquals(partial, r.resumedFrom());
        int[] ref = Fixtures.referenceTokens(text);
        List<ConsumerRecord<byte[], byte[]>> recs =
                TopicReader.readAll(clients.bootstrap(), Topics.tokens("crash", "train"));
        assertEquals((ref.length - 1) / 16, recs.size(), "every block exactly once");
        assertArrayEquals(Arrays.copyOf(ref, recs.size() * 16 + 1), TopicReader.tokenStream(recs, 16));
        assertEquals(recs.size() - partial, r.blocksSent());
    }

    @Test
    void unfinishedTopicFromOtherSourcesIsStartedOver() throws Exception {
        Path dir = tmp.resolve("switch");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("train.txt"), Fixtures.wikiText(30, 10, 1));
        IngestSettings s = IngestSettings.defaults("switch").withBlockLength(16).withSplits(List.of("train"));
        IngestListener dying = new IngestListener() {
            @Override
            public void progress(String split, long bytes, long total, long tokens, long sent) {
                if (sent > 500) throw new IllegalStateException("simulated crash");
            }
        };
        try (Ingestor i = new Ingestor(clients, s, dying)) {
            assertThrows(IllegalStateException.class, () -> i.ingest(Sources.open(dir.toString(), tmp)));
        }
        String fixed = Fixtures.wikiText(8, 6, 2);
        Files.writeString(dir.resolve("train.txt"), fixed);
        SplitResult r = ingest(Sources.open(dir.toString(), tmp), s).get(0);
        assertEquals(Status.INGESTED, r.status());
        List<ConsumerRecord<byte[], byte[]>> recs =
                TopicReader.readAll(clients.bootstrap(), Topics.tokens("switch", "train"));
        int[] ref = Fixtures.referenceTokens(fixed);
        assertEquals((ref.length - 1) / 16, recs.size());
        assertArrayEquals(Arrays.copyOf(ref, recs.size() * 16 + 1), TopicReader.tokenStream(recs, 16));
    }

    @Test
    void badInputStopsWithoutAFinishedManifest() throws Exception {
        // invalid UTF-8 deep inside the validation split: train finishes, validation does not
        Map<String, String> text = Fixtures.splits(51);
        Path dir = Fixtures.writeDir(tmp.resolve("bad"), text);
        byte[] b = Files.readAllBytes(dir.resolve("wiki.valid.raw"));
        b[b.length - 5] = (byte) 0xFE;
        Files.write(dir.resolve("wiki.valid.raw"), b);
        var e = assertThrows(
                BadInputException.class,
                () -> ingest(
                        Sources.open(dir.toString(), tmp),
                        IngestSettings.defaults("bad").withBlockLength(32)));
        assertTrue(e.getMessage().contains("wiki.valid.raw line "), e.getMessage());
        assertTrue(e.getMessage().contains("invalid UTF-8"), e.getMessage());
        assertNotNull(manifest("bad", "train"));
        assertNull(manifest("bad", "validation"));
        assertNull(manifest("bad", "test"));
    }

    @Test
    void emptyAndTooShortSplitsAreErrors() throws Exception {
        Path dir = tmp.resolve("short");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("train.txt"), " \n\n  \n");
        var e = assertThrows(
                BadInputException.class,
                () -> ingest(
                        Sources.open(dir.toString(), tmp),
                        IngestSettings.defaults("empty").withSplits(List.of("train"))));
        assertEquals(dir.resolve("train.txt") + ": split 'train' is empty (no text)", e.getMessage());
        assertNull(manifest("empty", "train"));

        Files.writeString(dir.resolve("train.txt"), "just a few words\n");
        var e2 = assertThrows(
                BadInputException.class,
                () -> ingest(
                        Sources.open(dir.toString(), tmp),
                        IngestSettings.defaults("short").withSplits(List.of("train"))));
        assertEquals(
                dir.resolve("train.txt")
                        + ": split 'train' has only 5 tokens, fewer than one block of 1025 (lower --block-length)",
                e2.getMessage());
        assertNull(manifest("short", "train"));
    }

    @Test
    void missingSplitIsReportedBeforeAnythingIsWritten() throws Exception {
        Path dir = tmp.resolve("missing");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("wiki.train.raw"), Fixtures.wikiText(3, 3, 1));
        Files.writeString(dir.resolve("wiki.valid.raw"), Fixtures.wikiText(1, 3, 1));
        var e = assertThrows(
                BadInputException.class,
                () -> ingest(Sources.open(dir.toString(), tmp), IngestSettings.defaults("missing")));
        assertTrue(
                e.getMessage().endsWith("missing split 'test': neither wiki.test.raw nor wiki.test.tokens exists"),
                e.getMessage());
        assertNull(manifest("missing", "train"), "nothing ingested when a split is missing");
    }

    @Test
    void eosFlagSeparatesDocumentsAndChangesTheFingerprint() throws Exception {
        Path dir = Fixtures.writeDir(tmp.resolve("eos"), Fixtures.splits(61));
        ingest(
                Sources.open(dir.toString(), tmp),
                IngestSettings.defaults("eos-off").withBlockLength(32).withSplits(List.of("train")));
        ingest(
                Sources.open(dir.toString(), tmp),
                IngestSettings.defaults("eos-on")
                        .withBlockLength(32)
                        .withSplits(List.of("train"))
                        .withEos(true));
        DatasetManifest off = manifest("eos-off", "train");
        DatasetManifest on = manifest("eos-on", "train");
        assertEquals(off.tokens() + 11, on.tokens(), "12 articles -> 11 separators");
        assertTrue(on.eosBetweenDocuments());
        assertNotEquals(off.sourcesSha256(), on.sourcesSha256());
    }

    static String sha256LE(int[] ids) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (int id : ids) md.update(new byte[] {(byte) id, (byte) (id >>> 8)});
        return HexFormat.of().formatHex(md.digest());
    }
}
