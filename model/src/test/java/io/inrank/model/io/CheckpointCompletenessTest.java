package io.inrank.model.io;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inrank.model.AdamW;
import io.inrank.model.GptModel;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.TestBackends;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint is valid only when every file its state.json lists is there, a regular file, of its size and sha256, and
 * the optimizer file is listed exactly when the state records optimizer state; a training load also needs the
 * optimizer. Each broken case is refused by {@link Checkpoint#load} and {@link Checkpoint#loadForTraining} with an
 * IOException naming the file and the reason — never a checkpoint that loads with a null optimizer for a resume.
 */
class CheckpointCompletenessTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Backend BE = TestBackends.nd4j();

    @TempDir
    Path tmp;

    Path dir, state, optimizer, model;
    GptModel trained;

    @BeforeEach
    void checkpoint() throws IOException {
        Random r = new Random(5);
        int[] ids = r.ints(16, 0, 64).toArray(), tg = r.ints(16, 0, 64).toArray();
        trained = new GptModel(BE, CheckpointTest.CFG, 2, 8, DType.F32, 3, null);
        for (int i = 0; i < trained.inRankLayers(); i++) trained.setActiveModes(i, 3 + i);
        AdamW opt = AdamW.paperDefaults(trained.params());
        for (int s = 0; s < 2; s++) CheckpointTest.trainStep(trained, opt, ids, tg, s);
        dir = tmp.resolve("step-2");
        Checkpoint.save(dir, trained, opt, new Checkpoint.State(2, 1, 3, Map.of("epoch", 0)));
        state = dir.resolve("state.json");
        optimizer = dir.resolve("optimizer.safetensors");
        model = dir.resolve("model.safetensors");
    }

    void editState(Consumer<ObjectNode> edit) throws IOException {
        ObjectNode s = (ObjectNode) JSON.readTree(state.toFile());
        edit.accept(s);
        Files.writeString(state, JSON.writeValueAsString(s));
    }

    static ObjectNode files(ObjectNode s) {
        return (ObjectNode) s.get("files");
    }

    /** Both loads refuse, with an IOException that contains {@code expected}; returns the training load's message. */
    String refused(String expected) {
        for (Executable load :
                new Executable[] {() -> Checkpoint.load(BE, dir, 2, 8), () -> Checkpoint.loadForTraining(BE, dir, 2, 8)
                }) {
            IOException e = assertThrows(IOException.class, load);
            assertTrue(e.getMessage().contains(expected), e.getMessage());
            assertTrue(e.getMessage().contains(dir.toString()), "names the checkpoint: " + e.getMessage());
        }
        return assertThrows(IOException.class, () -> Checkpoint.loadForTraining(BE, dir, 2, 8))
                .getMessage();
    }

    @Test
    void theIntactCheckpointLoadsForTrainingWithItsOptimizer() throws IOException {
        assertEquals("training", kind(state));
        Checkpoint.Loaded l = Checkpoint.loadForTraining(BE, dir, 2, 8);
        assertNotNull(l.optimizer());
        assertEquals(2, l.optimizer().stepCount());
        assertNotNull(Checkpoint.load(BE, dir, 2, 8).optimizer());
    }

    @Test
    void anOptimizerListedButMissingIsRefused() throws IOException {
        Files.delete(optimizer);
        refused(optimizer + ": missing");
    }

    @Test
    void anOptimizerMissingAndNoLongerListedIsRefused() throws IOException {
        // what a partial copy or an edited state.json leaves: the rest of state.json consistent, model verified
        Files.delete(optimizer);
        editState(s -> files(s).remove("optimizer.safetensors"));
        String m = refused("records optimizer state (optimizer step 2) but lists no optimizer.safetensors");
        assertTrue(m.contains("incomplete checkpoint"), m);
    }

    @Test
    void anOptimizerNoLongerListedButStillThereIsRefused() throws IOException {
        editState(s -> files(s).remove("optimizer.safetensors"));
        refused("(the file is there, unverified)");
    }

    @Test
    void aCheckpointMadeToLookLikeAServingExportDoesNotResumeTraining() throws IOException {
        // the whole state.json rewritten as if saved without an optimizer: a valid model for serving, not a resume
        Files.delete(optimizer);
        editState(s -> {
            files(s).remove("optimizer.safetensors");
            s.put("optimizerStep", -1).put("kind", "inference");
        });
        Checkpoint.Loaded served = Checkpoint.load(BE, dir, 2, 8);
        assertNull(served.optimizer());
        IOException e = assertThrows(IOException.class, () -> Checkpoint.loadForTraining(BE, dir, 2, 8));
        assertTrue(
                e.getMessage().startsWith(state.toString()) && e.getMessage().contains("cannot resume training"),
                e.getMessage());
    }

    @Test
    void aListedOptimizerWithoutAnOptimizerStepIsRefused() throws IOException {
        editState(s -> s.put("optimizerStep", -1));
        refused("lists optimizer.safetensors but records no optimizer step");
        editState(s -> s.remove("optimizerStep"));
        refused("lists optimizer.safetensors but records no optimizer step");
        editState(s -> s.put("optimizerStep", "two"));
        refused("\"optimizerStep\" is not an integer");
    }

    @Test
    void aTruncatedOptimizerIsRefused() throws IOException {
        byte[] b = Files.readAllBytes(optimizer);
        Files.write(optimizer, java.util.Arrays.copyOf(b, b.length - 64));
        refused(optimizer + ": " + (b.length - 64) + " bytes, expected " + b.length + " (truncated?)");
    }

    @Test
    void aCorruptedOptimizerIsRefused() throws IOException {
        byte[] b = Files.readAllBytes(optimizer);
        b[b.length - 3] ^= 0x10;
        Files.write(optimizer, b);
        refused(optimizer + ": sha256 ");
    }

    @Test
    void aMissingModelIsRefused() throws IOException {
        Files.delete(model);
        refused(model + ": missing");
    }

    @Test
    void aModelNoLongerListedIsRefused() throws IOException {
        editState(s -> files(s).remove("model.safetensors"));
        refused("lists no model.safetensors");
    }

    @Test
    void aListedFileThatIsADirectoryIsRefused() throws IOException {
        Files.delete(optimizer);
        Files.createDirectory(optimizer);
        refused(optimizer + ": not a regular file");
    }

    @Test
    void filesThatIsNotAnObjectIsRefused() throws IOException {
        editState(s -> s.set("files", JSON.createArrayNode().add("model.safetensors")));
        refused("no \"files\" object");
    }

    @Test
    void theServingExportStillLoadsForServingButNotForTraining() throws IOException {
        Path export = tmp.resolve("export");
        Checkpoint.exportInference(export, trained, new Checkpoint.State(2, 1, 3, Map.of()));
        assertEquals("inference", kind(export.resolve("state.json")));
        Checkpoint.Loaded l = Checkpoint.load(BE, export, 2, 8);
        assertNull(l.optimizer());
        assertTrue(l.model().params().count() < trained.params().count());
        IOException e = assertThrows(IOException.class, () -> Checkpoint.loadForTraining(BE, export, 2, 8));
        assertTrue(
                e.getMessage().contains("has no optimizer state (kind 'inference'")
                        && e.getMessage().contains("cannot resume training"),
                e.getMessage());
    }

    static String kind(Path stateFile) throws IOException {
        return JSON.readTree(stateFile.toFile()).path("kind").asText();
    }
}
