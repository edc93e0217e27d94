package io.inrank.trainer.run;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.kafka.KafkaLocal;
import io.inrank.kafka.KafkaLocalExtension;
import io.inrank.model.GptConfig;
import io.inrank.protocol.CheckpointEvent;
import io.inrank.protocol.SpectrumReport;
import io.inrank.protocol.Topics;
import io.inrank.trainer.Fixtures;
import io.inrank.trainer.config.TrainSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Training runs in-process on a real broker, with a fixture dataset and no rank-controller (cli PipelineIT has one). */
@ExtendWith(KafkaLocalExtension.class)
class TrainingRunTest {
    static final String DATASET = "fx-run";
    private static boolean published;

    @TempDir
    Path tmp;

    String bs;

    @BeforeEach
    void data(KafkaLocal kafka) {
        bs = kafka.bootstrapServers();
        synchronized (TrainingRunTest.class) {
            if (!published) Fixtures.dataset(bs, DATASET, 16, 64, 8);
            published = true;
        }
    }

    @Test
    void withoutAControllerTheRunKeepsItsRanksCountsTheMissesAndStillCheckpoints() throws Exception {
        TrainSettings s = Fixtures.settings(
                bs, DATASET, tmp, "no-controller", "--steps", "6", "--rank-warmup", "2", "--rank-gap", "2");
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        TrainingRun.Summary sum;
        try (TrainingRun r = new TrainingRun(s, reg)) {
            sum = r.run();
            for (int k : r.ranks()) assertEquals(2, k, "ranks unchanged without decisions");
        }
        assertEquals(6, sum.steps());
        assertEquals(2, sum.decisionTimeouts(), "checks at steps 4 and 6, both unanswered");
        assertEquals(2.0, reg.get("inrank.trainer.decision.timeouts").counter().count());
        assertEquals(
                2.0,
                reg.get("inrank.trainer.rank")
                        .tag("layer", "h.1.mlp.fc2")
                        .gauge()
                        .value());

        List<SpectrumReport> reports = Fixtures.read(bs, Topics.SPECTRA, SpectrumReport.class, "no-controller");
        assertEquals(List.of(4L, 6L), reports.stream().map(SpectrumReport::step).toList());
        SpectrumReport.LayerSpectrum l = reports.get(0).layers().get(0);
        assertEquals("h.0.mlp.fc1", l.name());
        assertEquals(128, l.singularValues().length, "min(in, out) values, zero-padded");
        assertEquals(0.0, l.singularValues()[127]);
        assertTrue(l.singularValues()[0] > 0);

        List<CheckpointEvent> events = Fixtures.read(bs, Topics.CHECKPOINTS, CheckpointEvent.class, "no-controller");
        assertEquals(List.of(4L, 6L), events.stream().map(CheckpointEvent::step).toList());
        CheckpointEvent last = events.get(1);
        Path dir = Path.of(java.net.URI.create(last.uri()));
        assertEquals(io.inrank.model.io.Checkpoint.sha256(dir.resolve("state.json")), last.sha256());
        assertEquals(2, last.ranks().get("h.0.mlp.fc1"));
        assertTrue(
                last.eval().containsKey("validation_ppl") && last.eval().containsKey("test_mean_batch_ppl"),
                last.eval().toString());
        assertTrue(Files.readAllLines(dir.getParent().resolve("steps.jsonl")).size() >= 6);
    }

    @Test
    void efficientModeResizesAtTheEndOfStage1AndFreezesRanks() {
        TrainSettings s = Fixtures.settings(
                bs,
                DATASET,
                tmp,
                "efficient",
                "--mode",
                "efficient",
                "--stage1-steps",
                "3",
                "--steps",
                "5",
                "--rank-warmup",
                "1",
                "--rank-gap",
                "1",
                "--decision-timeout-ms",
                "100");
        GptConfig c = s.model();
        long before, after;
        try (TrainingRun r = new TrainingRun(s, new SimpleMeterRegistry())) {
            before = r.model().params().count();
            TrainingRun.Summary sum = r.run();
            after = sum.parameters();
            assertEquals(2, r.stage());
        }
        // every InRank layer goes from maxRank stored modes to r = 2: (maxRank − 2)·(d + 4d) fewer weights each
        long dropped = (long) 2 * c.layers() * (c.maxRank() - 2) * (c.dim() + c.hidden());
        assertEquals(before - dropped, after);
        assertEquals(
                List.of(2L, 3L),
                Fixtures.read(bs, Topics.SPECTRA, SpectrumReport.class, "efficient").stream()
                        .map(SpectrumReport::step)
                        .toList(),
                "no rank checks after stage 1");

        // a resumed stage-2 run stays in stage 2 with the same shape
        TrainSettings more = Fixtures.settings(
                bs,
                DATASET,
                tmp,
                "efficient",
                "--mode",
                "efficient",
                "--stage1-steps",
                "3",
                "--steps",
                "6",
                "--rank-warmup",
                "1",
                "--rank-gap",
                "1",
                "--decision-timeout-ms",
                "100");
        try (TrainingRun r = new TrainingRun(more, new SimpleMeterRegistry())) {
            assertEquals(2, r.stage());
            assertEquals(after, r.model().params().count());
            assertEquals(6, r.run().steps());
        }
    }

    @Test
    void aFixedRankRunTrainsAtItsRanksFromStepOneWithoutChecksAndResumesAtThem() {
        String[] flags = {
            "--mode", "efficient-no-resize", "--fixed-ranks", "3,5,7,9", "--rank-warmup", "1", "--rank-gap", "1"
        };
        TrainSettings s = Fixtures.settings(bs, DATASET, tmp, "fixed", concat(flags, "--steps", "4"));
        GptConfig c = s.model();
        long params;
        try (TrainingRun r = new TrainingRun(s, new SimpleMeterRegistry())) {
            assertEquals(2, r.stage());
            params = r.model().params().count();
            assertEquals(4, r.run().steps());
            for (int i = 0; i < 4; i++)
                assertEquals(new int[] {3, 5, 7, 9}[i], r.model().activeModes(i));
        }
        long fullFactors = (long) 2 * c.layers() * c.maxRank() * (c.dim() + c.hidden());
        long fixedFactors = (long) (3 + 5 + 7 + 9) * (c.dim() + c.hidden());
        TrainSettings dense = Fixtures.settings(bs, DATASET, tmp, "fixed-shape", "--mode", "efficient-no-resize");
        try (TrainingRun r = new TrainingRun(dense, new SimpleMeterRegistry())) {
            assertEquals(r.model().params().count() - fullFactors + fixedFactors, params);
        }
        assertTrue(
                Fixtures.read(bs, Topics.SPECTRA, SpectrumReport.class, "fixed").isEmpty(),
                "a fixed-rank run never asks the controller");

        try (TrainingRun r = new TrainingRun(
                Fixtures.settings(bs, DATASET, tmp, "fixed", concat(flags, "--steps", "6")),
                new SimpleMeterRegistry())) {
            assertEquals(params, r.model().params().count());
            assertEquals(6, r.run().steps());
        }
        TrainSettings other = Fixtures.settings(
                bs, DATASET, tmp, "fixed", "--mode", "efficient-no-resize", "--fixed-ranks", "3,5,7,8", "--steps", "6");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new TrainingRun(other, new SimpleMeterRegistry()));
        assertTrue(e.getMessage().contains("fixedRanks"), e.getMessage());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void aResumedRunRepeatsTheUninterruptedLossesAndSkipsADamagedLatestCheckpoint() throws Exception {
        String[] flags = {"--steps", "8", "--checkpoint-every", "2", "--keep-checkpoints", "2"};
        Map<Long, Double> uninterrupted = losses(Fixtures.settings(bs, DATASET, tmp, "resume-a", flags), -1);
        assertEquals(8, uninterrupted.size());

        TrainSettings b = Fixtures.settings(bs, DATASET, tmp, "resume-b", flags);
        Map<Long, Double> first = losses(b, 5); // stops after step 5 with a checkpoint (as on SIGTERM)
        assertEquals(5, first.size());
        Path runDir = tmp.resolve("resume-b");
        assertTrue(Files.isDirectory(runDir.resolve("step-000000005")));
        assertFalse(Files.exists(runDir.resolve("step-000000002")), "only the newest 2 are kept");
        flipAByte(runDir.resolve("step-000000005").resolve("model.safetensors"));

        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        Map<Long, Double> rest = new LinkedHashMap<>();
        try (TrainingRun r = new TrainingRun(b, reg)) {
            r.onStep(rest::put);
            assertEquals(4, r.run().resumedFrom(), "the damaged step-5 checkpoint is skipped");
        }
        assertEquals(
                1.0, reg.get("inrank.trainer.checkpoints.damaged").counter().count());
        assertEquals(List.of(5L, 6L, 7L, 8L), new ArrayList<>(rest.keySet()));
        for (long t = 5; t <= 8; t++) assertEquals(uninterrupted.get(t), rest.get(t), "loss at step " + t);

        TrainSettings other = Fixtures.settings(bs, DATASET, tmp, "resume-b", "--steps", "8", "--batch", "4");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> new TrainingRun(other, new SimpleMeterRegistry()).close());
        assertTrue(e.getMessage().contains("batch 2 (checkpoint) vs 4 (now)"), e.getMessage());
    }

    @Test
    void aCumulativeRunResumesWithTheSameW0AndRepeatsTheUninterruptedLosses() throws Exception {
        String[] flags = {"--mode", "cumulative", "--steps", "6", "--checkpoint-every", "3"};
        Map<Long, Double> uninterrupted = losses(Fixtures.settings(bs, DATASET, tmp, "cumulative-a", flags), -1);
        TrainSettings b = Fixtures.settings(bs, DATASET, tmp, "cumulative-b", flags);
        assertEquals(3, losses(b, 3).size());
        String state = Files.readString(
                tmp.resolve("cumulative-b").resolve("step-000000003").resolve("state.json"));
        assertTrue(state.contains("\"CUMULATIVE\"") && state.contains(io.inrank.model.FrozenBase.SCHEME), state);
        Map<Long, Double> rest = new LinkedHashMap<>();
        try (TrainingRun r = new TrainingRun(b, new SimpleMeterRegistry())) {
            r.onStep(rest::put);
            assertEquals(3, r.run().resumedFrom());
        }
        for (long t = 4; t <= 6; t++) assertEquals(uninterrupted.get(t), rest.get(t), "loss at step " + t);
    }

    @Test
    void aStateWithoutTheRunsEntriesIsSkippedNotANullPointer() throws Exception {
        // state.json pins every other file's hash but is not hashed itself: an edited one without the data position or
        // the ranks used to pass latestValid and crash restore
        TrainSettings d = Fixtures.settings(bs, DATASET, tmp, "resume-d", "--steps", "6", "--checkpoint-every", "2");
        losses(d, 5); // checkpoints 4 and 5
        Path state = tmp.resolve("resume-d/step-000000005/state.json");
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var s = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(state.toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) s.get("extra")).remove("epoch");
        ((com.fasterxml.jackson.databind.node.ObjectNode) s.get("extra")).put("ranks", "many");
        Files.writeString(state, json.writeValueAsString(s));
        try (TrainingRun r = new TrainingRun(d, new SimpleMeterRegistry())) {
            assertEquals(4, r.run().resumedFrom(), "the edited step-5 checkpoint is skipped");
        }
    }

    @Test
    void aResumeSkipsNewerCheckpointsWithoutTheirOptimizerOrModelAndNamesThem() throws Exception {
        // issue 27: optimizer.safetensors gone and no longer listed (a partial copy) used to pass verification and end
        // the resume in a NullPointerException (exit 3, retried forever) instead of falling back
        String[] flags = {"--steps", "6", "--checkpoint-every", "2", "--keep-checkpoints", "3"};
        TrainSettings c = Fixtures.settings(bs, DATASET, tmp, "resume-c", flags);
        Map<Long, Double> first = losses(c, 5); // checkpoints 2, 4, 5
        Path runDir = tmp.resolve("resume-c");
        Path five = runDir.resolve("step-000000005"), four = runDir.resolve("step-000000004");
        Files.delete(five.resolve("optimizer.safetensors"));
        Path state = five.resolve("state.json");
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var s = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(state.toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) s.get("files")).remove("optimizer.safetensors");
        Files.writeString(state, json.writeValueAsString(s));
        Files.delete(four.resolve("model.safetensors"));

        List<String> lines = new ArrayList<>();
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                Object[] p = r.getParameters();
                synchronized (lines) {
                    lines.add(p == null || p.length == 0 ? r.getMessage() : String.format(r.getMessage(), p));
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger(TrainingRun.class.getName());
        jul.addHandler(h);
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        Map<Long, Double> rest = new LinkedHashMap<>();
        try (TrainingRun r = new TrainingRun(c, reg)) {
            r.onStep(rest::put);
            assertEquals(2, r.run().resumedFrom(), "steps 5 and 4 are skipped");
        } finally {
            jul.removeHandler(h);
        }
        assertEquals(
                2.0, reg.get("inrank.trainer.checkpoints.damaged").counter().count());
        assertEquals(List.of(3L, 4L, 5L, 6L), new ArrayList<>(rest.keySet()));
        for (long t = 3; t <= 5; t++) assertEquals(first.get(t), rest.get(t), "loss at step " + t);
        synchronized (lines) {
            String resumed = lines.stream()
                    .filter(l -> l.startsWith("run resume-c resumed from step 2"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no resume line in " + lines));
            assertTrue(
                    resumed.contains("skipped the newer [step-000000005 (")
                            && resumed.contains("lists no optimizer.safetensors")
                            && resumed.contains("step-000000004 (")
                            && resumed.contains("model.safetensors: missing"),
                    resumed);
        }
    }

    @Test
    void aDatasetOfAnotherBlockLengthIsRefusedWithTheFix() {
        TrainSettings s = Fixtures.settings(bs, DATASET, tmp, "wrong-seq", "--seq", "32");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> new TrainingRun(s, new SimpleMeterRegistry()).close());
        assertTrue(e.getMessage().contains("has blocks of 16 tokens but --seq is 32"), e.getMessage());
    }

    /** Runs to the end (or stops after {@code stopAt}) and returns the loss of every step. */
    static Map<Long, Double> losses(TrainSettings s, long stopAt) {
        Map<Long, Double> out = new LinkedHashMap<>();
        try (TrainingRun r = new TrainingRun(s, new SimpleMeterRegistry())) {
            r.onStep((step, loss) -> {
                out.put(step, loss);
                if (step == stopAt) r.requestStop();
            });
            r.run();
        }
        return out;
    }

    static void flipAByte(Path f) throws Exception {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long pos = ch.size() / 2;
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, pos);
            b.put(0, (byte) (b.get(0) ^ 0x5a)).rewind();
            ch.write(b, pos);
        }
    }
}
