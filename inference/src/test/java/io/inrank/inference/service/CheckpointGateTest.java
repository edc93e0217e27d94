package io.inrank.inference.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inrank.inference.TinyCheckpoint;
import io.inrank.model.io.Checkpoint;
import io.inrank.protocol.CheckpointEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way an event could point the server at a model that is not its run's newest checkpoint, refused. */
class CheckpointGateTest {
    @TempDir
    static Path tmp;

    static Path root, elsewhere, good;
    static CheckpointGate gate;

    @BeforeAll
    static void checkpoints() throws Exception {
        root = Files.createDirectories(tmp.resolve("root"));
        elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        good = TinyCheckpoint.write(root, "victim", 5, 200);
        TinyCheckpoint.write(root, "other", 6, 300);
        TinyCheckpoint.write(elsewhere, "victim", 7, 300); // a crafted model outside the root
        gate = new CheckpointGate(root, "victim", Optional.empty(), 1000, 1 << 30);
    }

    static CheckpointEvent event(String uri, long step, Path stateOf) throws Exception {
        return new CheckpointEvent(
                1,
                "victim",
                step,
                uri,
                Checkpoint.sha256(stateOf.resolve("state.json")),
                1,
                "tiny",
                "inrank",
                Map.of(),
                Map.of(),
                Instant.now().toString());
    }

    static String refused(CheckpointEvent e, long served) {
        return assertThrows(CheckpointGate.Refused.class, () -> gate.admit(e, served))
                .getMessage();
    }

    @Test
    void theRunsOwnNextCheckpointIsAdmitted() throws Exception {
        assertEquals(good.toRealPath(), gate.admit(event(good.toUri().toString(), 200, good), 100));
        assertEquals(good.toRealPath(), gate.admit(event(good.toUri().toString(), 200, good), -1));
    }

    @Test
    void pathsOutsideTheRunsDirectoryAreRefused() throws Exception {
        Path crafted = elsewhere.resolve("victim/step-000000300");
        assertTrue(refused(event(crafted.toUri().toString(), 300, crafted), 200).contains("outside"));
        Path other = root.resolve("other/step-000000300");
        assertTrue(refused(event(other.toUri().toString(), 300, other), 200).contains("outside"), "another run's");
        String dotted = "file://" + root + "/victim/../other/step-000000300";
        assertTrue(refused(event(dotted, 300, other), 200).contains("'..'"));
        Path link = root.resolve("victim/step-000000400");
        Files.createSymbolicLink(link, crafted);
        assertTrue(refused(event(link.toUri().toString(), 400, crafted), 200).contains("outside"), "a link out");
        Path inner = root.resolve("victim/step-000000500");
        Files.createSymbolicLink(inner, good);
        assertTrue(refused(event(inner.toUri().toString(), 500, good), 200).contains("not the directory of step 500"));
        assertTrue(refused(event(good.toUri().toString(), 250, good), 200).contains("not the directory of step 250"));
        assertTrue(refused(event("s3://bucket/victim/step-000000300", 300, good), 200)
                .contains("file://"));
        Files.delete(link);
        Files.delete(inner);
    }

    @Test
    void stepsOnlyMoveForwardAndNotTooFar() throws Exception {
        assertTrue(refused(event(good.toUri().toString(), 200, good), 200).contains("not after the served step"));
        assertTrue(refused(event(good.toUri().toString(), 200, good), 300).contains("not after"));
        assertTrue(refused(event(good.toUri().toString(), 1_000_000_000_000_000L, good), 200)
                .contains("more than 1000 steps after"));
    }

    @Test
    void onlyRegularFilesOfBoundedSizeAreOpened() throws Exception {
        Path d = TinyCheckpoint.write(root, "victim", 8, 600);
        Path fifo = root.resolve("victim/step-000000700");
        Files.createDirectories(fifo);
        Files.copy(d.resolve("model.safetensors"), fifo.resolve("model.safetensors"));
        new ProcessBuilder("mkfifo", fifo.resolve("state.json").toString())
                .inheritIO()
                .start()
                .waitFor();
        CheckpointEvent e = new CheckpointEvent(
                1, "victim", 700, fifo.toUri().toString(), "0".repeat(64), 1, "tiny", "inrank", Map.of(), Map.of(), "");
        long t0 = System.nanoTime();
        assertTrue(refused(e, 200).contains("not a regular file"), "a FIFO as state.json would block the reader");
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L);
        CheckpointGate small = new CheckpointGate(root, "victim", Optional.empty(), 1000, 1000);
        assertTrue(assertThrows(
                        CheckpointGate.Refused.class,
                        () -> small.admit(event(d.toUri().toString(), 600, d), 200))
                .getMessage()
                .contains("over the limit"));
        assertEquals(
                List.of("step-000000600", "step-000000200"),
                gate.onDisk().stream().map(p -> p.getFileName().toString()).toList(),
                "the fallback's candidates: the FIFO's directory is not one");
    }
}
