package io.inrank.protocol;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessagesTest {

    static final String SHA = "a".repeat(64);

    static DatasetManifest manifest() {
        return new DatasetManifest(
                1,
                "wikitext-103",
                "train",
                Topics.tokens("wikitext-103", "train"),
                1024,
                3,
                3073,
                "gpt2 (r50k_base, encodeOrdinary, per line)",
                50257,
                false,
                List.of(new DatasetManifest.SourceFile("wiki.train.raw", 10, SHA)),
                SHA,
                SHA,
                10,
                "2026-11-26T00:00:00Z",
                true);
    }

    @Test
    void everyMessageRoundTrips() {
        DatasetManifest m = manifest();
        assertEquals(m, Messages.decode(Messages.encode(m), DatasetManifest.class));

        SpectrumReport s = new SpectrumReport(
                1,
                "run-1",
                225,
                List.of(new SpectrumReport.LayerSpectrum(
                        "h.0.mlp.c_fc", 768, 3072, 2, 100, 384, new double[] {3.0, 2.0, 0.5, 0.0})),
                "explained-variance",
                Map.of("alpha", 0.9));
        SpectrumReport s2 = Messages.decode(Messages.encode(s), SpectrumReport.class);
        assertEquals(s.run(), s2.run());
        assertArrayEquals(s.layers().get(0).singularValues(), s2.layers().get(0).singularValues());
        assertEquals(0.9, s2.policyParams().get("alpha"));

        RankDecision d = new RankDecision(
                1,
                "run-1",
                225,
                List.of(new RankDecision.LayerDecision("h.0.mlp.c_fc", 2, 7, 0.91)),
                "explained-variance",
                Map.of("alpha", 0.9, "buffer", 100.0),
                "2026-11-26T00:00:00Z");
        assertEquals(d, Messages.decode(Messages.encode(d), RankDecision.class));

        CheckpointEvent c = new CheckpointEvent(
                1,
                "run-1",
                1000,
                "file:///ckpt/step-1000",
                SHA,
                1,
                "tiny",
                "inrank",
                Map.of("h.0.mlp.c_fc", 7),
                Map.of("val_ppl", 123.4),
                "2026-11-26T00:00:00Z");
        assertEquals(c, Messages.decode(Messages.encode(c), CheckpointEvent.class));
    }

    @Test
    void unknownFieldsAreIgnoredForForwardCompatibility() {
        String json = Messages.toJson(manifest(), false).replaceFirst("\\{", "{\"someFutureField\":42,");
        assertEquals(manifest(), Messages.decode(json.getBytes(StandardCharsets.UTF_8), DatasetManifest.class));
    }

    @Test
    void malformedBytesGiveATypedErrorNeverACrash() {
        List<byte[]> bad = List.of(
                new byte[0],
                "not json".getBytes(),
                "{".getBytes(),
                "[]".getBytes(),
                "null".getBytes(),
                new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1},
                "{\"version\":1,\"run\":\"r\",\"step\":1}".getBytes(), // layers missing
                Messages.toJson(manifest(), false)
                        .replace("\"version\":1", "\"version\":99")
                        .getBytes(),
                Messages.toJson(manifest(), false)
                        .replace("\"blocks\":3", "\"blocks\":4")
                        .getBytes(),
                Messages.toJson(manifest(), false)
                        .replace("\"sourcesSha256\":\"" + SHA, "\"sourcesSha256\":\"xyz")
                        .getBytes());
        for (byte[] b : bad) {
            for (Class<?> type :
                    List.of(DatasetManifest.class, SpectrumReport.class, RankDecision.class, CheckpointEvent.class)) {
                MalformedRecordException e = assertThrows(
                        MalformedRecordException.class,
                        () -> Messages.decode(b, type),
                        () -> new String(b, StandardCharsets.UTF_8) + " as " + type.getSimpleName());
                assertNotNull(e.getMessage());
                assertTrue(e.getMessage().startsWith(type.getSimpleName()), e.getMessage());
            }
        }
    }

    @Test
    void validationMessagesSayWhatIsWrong() {
        byte[] b = Messages.toJson(manifest(), false)
                .replace("\"version\":1", "\"version\":99")
                .getBytes();
        var e = assertThrows(MalformedRecordException.class, () -> Messages.decode(b, DatasetManifest.class));
        assertTrue(e.getMessage().contains("unsupported manifest version 99"), e.getMessage());
    }

    @Test
    void topicNamesAreCheckedAndStable() {
        assertEquals("inrank.tokens.wikitext-103.train", Topics.tokens("wikitext-103", "train"));
        assertEquals("wikitext-103/validation", Topics.manifestKey("wikitext-103", "validation"));
        assertThrows(IllegalArgumentException.class, () -> Topics.tokens("Wiki Text", "train"));
        assertThrows(IllegalArgumentException.class, () -> Topics.tokens("w", "../x"));
    }
}
