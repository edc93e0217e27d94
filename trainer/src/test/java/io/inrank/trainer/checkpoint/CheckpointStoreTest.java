package io.inrank.trainer.checkpoint;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inrank.model.AdamW;
import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.Backends;
import io.inrank.model.backend.DType;
import io.inrank.model.io.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CheckpointStore#latestValid} takes the newest checkpoint that is complete and verifies — the optimizer moments
 * included — and reports each newer one it skips (a log line with the reason, {@link CheckpointStore#skipped}, the
 * damaged count), for every way the newest can be broken.
 */
class CheckpointStoreTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Backend BE = Backends.open("nd4j");
    static final GptConfig CFG = new GptConfig(64, 16, 2, 2, 16, GptConfig.Mode.INRANK, true, 0.1, 1e-5);

    @TempDir
    Path tmp;

    final List<String> logged = new ArrayList<>();
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            synchronized (logged) {
                String m = r.getMessage();
                if (r.getParameters() != null && r.getParameters().length > 0)
                    m = String.format(m, r.getParameters()); // jboss-logging's *f methods: format and parameters
                logged.add(r.getLevel() + " " + m);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void captureLogs() {
        Logger.getLogger(CheckpointStore.class.getName()).addHandler(capture);
    }

    @AfterEach
    void stopCapturing() {
        Logger.getLogger(CheckpointStore.class.getName()).removeHandler(capture);
    }

    /** A store of {@code run} with checkpoints of steps 1 and 2 (a training step apart), written as the trainer does. */
    static CheckpointStore storeWithTwo(Path root, String run) {
        GptModel m = new GptModel(BE, CFG, 2, 8, DType.F32, 3, null);
        AdamW opt = AdamW.paperDefaults(m.params());
        int[] ids = new java.util.Random(1).ints(16, 0, 64).toArray();
        CheckpointStore store = new CheckpointStore(root, run, 3);
        for (long step = 1; step <= 2; step++) {
            m.params().zeroGrad();
            m.setDropoutStep(step);
            m.forward(ids, ids, true);
            m.backward(1.0);
            opt.step(1e-3);
            store.save(step, m, opt, new Checkpoint.State(step, 1, 3, Map.of("epoch", 0, "index", (int) step)));
        }
        return store;
    }

    interface Breaker {
        void breakIt(Path checkpoint) throws IOException;
    }

    static void editState(Path checkpoint, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        Path state = checkpoint.resolve("state.json");
        ObjectNode s = (ObjectNode) JSON.readTree(state.toFile());
        edit.accept(s);
        Files.writeString(state, JSON.writeValueAsString(s));
    }

    static void truncate(Path f) throws IOException {
        byte[] b = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(b, b.length - 40));
    }

    /** How the newest checkpoint is broken, and what the reason for skipping it must say. */
    static Map<String, Map.Entry<Breaker, String>> cases() {
        Map<String, Map.Entry<Breaker, String>> c = new LinkedHashMap<>();
        c.put(
                "optimizer listed but missing",
                Map.entry(d -> Files.delete(d.resolve("optimizer.safetensors")), "optimizer.safetensors: missing"));
        c.put(
                "optimizer missing and no longer listed",
                Map.entry(
                        d -> {
                            Files.delete(d.resolve("optimizer.safetensors"));
                            editState(d, s -> ((ObjectNode) s.get("files")).remove("optimizer.safetensors"));
                        },
                        "records optimizer state (optimizer step 2) but lists no optimizer.safetensors"));
        c.put(
                "optimizer removed and state.json rewritten as a serving export",
                Map.entry(
                        d -> {
                            Files.delete(d.resolve("optimizer.safetensors"));
                            editState(d, s -> {
                                ((ObjectNode) s.get("files")).remove("optimizer.safetensors");
                                s.put("optimizerStep", -1).put("kind", "inference");
                            });
                        },
                        "cannot resume training"));
        c.put("optimizer truncated", Map.entry(d -> truncate(d.resolve("optimizer.safetensors")), "(truncated?)"));
        c.put("model truncated", Map.entry(d -> truncate(d.resolve("model.safetensors")), "(truncated?)"));
        c.put(
                "model missing",
                Map.entry(d -> Files.delete(d.resolve("model.safetensors")), "model.safetensors: missing"));
        return c;
    }

    @Test
    void aBrokenNewestCheckpointIsSkippedForTheOlderOneAndReported() throws IOException {
        for (var c : cases().entrySet()) {
            String name = c.getKey();
            Path root = tmp.resolve(name.replace(' ', '-'));
            try (CheckpointStore store = storeWithTwo(root, "r")) {
                Path newest = store.runDir().resolve("step-000000002");
                assertEquals(List.of(newest, store.runDir().resolve("step-000000001")), store.list());
                c.getValue().getKey().breakIt(newest);
                synchronized (logged) {
                    logged.clear();
                }

                Checkpoint.Loaded l = store.latestValid(BE, 2, 8).orElseThrow();
                assertEquals(1, l.state().step(), name + ": resumes from the older checkpoint");
                assertNotNull(l.optimizer(), name);
                assertEquals(1, l.optimizer().stepCount(), name);
                assertEquals(1, store.damaged(), name);
                assertEquals(1, store.skipped().size(), name);
                CheckpointStore.Skipped sk = store.skipped().get(0);
                assertEquals(newest, sk.dir(), name);
                String want = c.getValue().getValue();
                assertTrue(sk.reason().contains(want), name + ": " + sk.reason());
                assertTrue(sk.toString().startsWith("step-000000002 ("), sk.toString());
                synchronized (logged) {
                    assertTrue(
                            logged.stream()
                                    .anyMatch(m -> m.startsWith("ERROR checkpoint " + newest)
                                            && m.contains("is skipped")
                                            && m.contains(want)),
                            name + ": an error line names the skipped checkpoint and why: " + logged);
                    assertTrue(
                            logged.stream()
                                    .anyMatch(m -> m.startsWith("WARN resuming from the older checkpoint "
                                                    + store.runDir().resolve("step-000000001"))
                                            && m.contains("skipped 1 newer: [step-000000002 (")),
                            name + ": a warning names the checkpoint used and the ones skipped: " + logged);
                }
            }
        }
    }

    @Test
    void anIntactNewestCheckpointIsTakenWithNothingSkipped() {
        try (CheckpointStore store = storeWithTwo(tmp, "ok")) {
            Checkpoint.Loaded l = store.latestValid(BE, 2, 8).orElseThrow();
            assertEquals(2, l.state().step());
            assertNotNull(l.optimizer());
            assertEquals(List.of(), store.skipped());
            assertEquals(0, store.damaged());
        }
        try (CheckpointStore empty = new CheckpointStore(tmp, "none", 3)) {
            assertTrue(empty.latestValid(BE, 2, 8).isEmpty());
            assertEquals(List.of(), empty.skipped());
        }
    }

    @Test
    void whenNoneIsCompleteTheStoreRefusesRatherThanStartingOver() throws IOException {
        try (CheckpointStore store = storeWithTwo(tmp, "none-ok")) {
            for (Path p : store.list()) {
                Files.delete(p.resolve("optimizer.safetensors"));
                editState(p, s -> ((ObjectNode) s.get("files")).remove("optimizer.safetensors"));
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> store.latestValid(BE, 2, 8));
            assertTrue(
                    e.getMessage().startsWith("none of the 2 checkpoints in " + store.runDir() + " verifies")
                            && e.getMessage().contains("step-000000002 (")
                            && e.getMessage().contains("step-000000001 ("),
                    e.getMessage());
            assertEquals(2, store.skipped().size());
            assertEquals(2, store.damaged());
        }
    }

    @Test
    void aTrainingCheckpointWithoutOptimizerStateIsNotWritten() {
        GptModel m = new GptModel(BE, CFG, 2, 8, DType.F32, 3, null);
        try (CheckpointStore store = new CheckpointStore(tmp, "no-opt", 3)) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> store.save(1, m, null, new Checkpoint.State(1, 1, 3, Map.of())));
            assertTrue(e.getMessage().contains("needs the optimizer state"), e.getMessage());
            assertEquals(List.of(), store.list());
        }
    }
}
