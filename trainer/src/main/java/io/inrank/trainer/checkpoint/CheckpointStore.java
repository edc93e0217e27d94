package io.inrank.trainer.checkpoint;

import io.inrank.model.AdamW;
import io.inrank.model.GptModel;
import io.inrank.model.backend.Backend;
import io.inrank.model.io.Checkpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * A run's checkpoints: {@code <dir>/<run>/step-000000100/} (written atomically by {@link Checkpoint#write}, always with
 * the optimizer state); the newest K are kept; writing happens on a background thread ({@link #saveAsync}). On resume
 * the newest one that is complete and verifies ({@link Checkpoint#loadForTraining}: every listed file present and of
 * its size and sha256, the optimizer moments included) is used: a damaged or incomplete one is reported (logged with
 * the reason, counted, listed by {@link #skipped}) and the one before it tried, so a crash during a disk fault costs at
 * most one checkpoint interval.
 */
public final class CheckpointStore implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CheckpointStore.class);
    private final Path runDir;
    private final int keep;
    private int damaged;
    private List<Skipped> skipped = List.of();
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "checkpoint-writer");
        t.setDaemon(true);
        return t;
    });
    private Future<Saved> pending;

    public CheckpointStore(Path root, String run, int keep) {
        this.runDir = root.resolve(run).toAbsolutePath().normalize();
        this.keep = keep;
    }

    public Path runDir() {
        return runDir;
    }

    /** A saved checkpoint: its directory and the sha256 of its state.json (which pins every other file's hash). */
    public record Saved(Path dir, String sha256) {}

    /** Writes a checkpoint and returns when it is on disk. */
    public Saved save(long step, GptModel model, AdamW opt, Checkpoint.State state) {
        saveAsync(step, model, opt, state, s -> {});
        return awaitPending();
    }

    /**
     * Copies the checkpoint to the heap now (so it is exactly this step's state) and writes it on the writer thread
     * while training continues; {@code onSaved} runs there once the files are in place (announce it). At most one write
     * is in flight: a second call first waits for the previous one, which bounds memory and keeps checkpoints ordered.
     */
    public void saveAsync(long step, GptModel model, AdamW opt, Checkpoint.State state, Consumer<Saved> onSaved) {
        // a resume needs the moments: a checkpoint without them would be skipped as incomplete
        if (opt == null)
            throw new IllegalArgumentException("a training checkpoint needs the optimizer state (step " + step + ")");
        awaitPending();
        Checkpoint.Snapshot snap = Checkpoint.snapshot(model, opt, state);
        pending = writer.submit(() -> {
            Saved s = write(step, snap);
            onSaved.accept(s);
            return s;
        });
    }

    /**
     * Waits for the write in flight, if any.
     *
     * @return what it saved, or null when nothing was pending
     * @throws UncheckedIOException when it failed (the run stops: its last good checkpoint is still there)
     */
    public Saved awaitPending() {
        if (pending == null) return null;
        try {
            return pending.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing a checkpoint", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof UncheckedIOException u) throw u;
            throw new IllegalStateException("checkpoint write failed: " + c, c);
        } finally {
            pending = null;
        }
    }

    private Saved write(long step, Checkpoint.Snapshot snap) {
        try {
            Files.createDirectories(runDir);
            Path dir = runDir.resolve(String.format("step-%09d", step));
            if (Files.exists(dir)) deleteTree(dir); // re-reached after a resume: replace with the identical state
            Checkpoint.write(dir, snap);
            prune();
            return new Saved(dir, Checkpoint.sha256(dir.resolve("state.json")));
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "writing checkpoint of step " + step + " under " + runDir + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            awaitPending();
        } finally {
            writer.shutdown();
        }
    }

    /** Checkpoint directories, newest first. */
    public List<Path> list() {
        if (!Files.isDirectory(runDir)) return List.of();
        try (Stream<Path> s = Files.list(runDir)) {
            // a link is never a checkpoint: the volume is shared, and a link could point at another run's files
            return s.filter(p -> p.getFileName().toString().matches("step-\\d{9}")
                            && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString())
                            .reversed())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A checkpoint {@link #latestValid} passed over: its directory and why. */
    public record Skipped(Path dir, String reason) {
        @Override
        public String toString() {
            return dir.getFileName() + " (" + reason + ")";
        }
    }

    /**
     * The newest checkpoint that is complete and verifies, loaded for resuming training (its
     * {@link Checkpoint.Loaded#optimizer} is never null), or empty when the run has none. Each newer one passed over is
     * logged with the reason, counted ({@link #damaged}) and listed by {@link #skipped}.
     *
     * @throws IllegalStateException when checkpoints exist but none verifies (starting over would silently lose them)
     */
    public Optional<Checkpoint.Loaded> latestValid(Backend be, int batch, int seq) {
        return latestValid(be, batch, seq, l -> {});
    }

    /**
     * As {@link #latestValid(Backend, int, int)}, also skipping a checkpoint that {@code resumable} refuses (it throws
     * an IllegalArgumentException saying what the state lacks): the caller's own reading of the state, so that what a
     * resume needs is checked before the newest checkpoint is chosen, not after.
     */
    public Optional<Checkpoint.Loaded> latestValid(
            Backend be, int batch, int seq, Consumer<Checkpoint.Loaded> resumable) {
        List<Path> all = list();
        List<Skipped> passed = new ArrayList<>();
        skipped = List.of();
        for (Path p : all) {
            try {
                Checkpoint.Loaded l = Checkpoint.loadForTraining(be, p, batch, seq);
                if (l.optimizer() == null) throw new IOException(p + ": loaded without optimizer state");
                resumable.accept(l);
                skipped = List.copyOf(passed);
                if (!passed.isEmpty()) {
                    LOG.warnf("resuming from the older checkpoint %s; skipped %d newer: %s", p, passed.size(), skipped);
                }
                return Optional.of(l);
            } catch (IOException | RuntimeException e) {
                damaged++;
                passed.add(new Skipped(p, String.valueOf(e.getMessage())));
                LOG.errorf("checkpoint %s is damaged or incomplete and is skipped: %s", p, e.getMessage());
            }
        }
        skipped = List.copyOf(passed);
        if (!all.isEmpty()) {
            throw new IllegalStateException("none of the " + all.size() + " checkpoints in " + runDir + " verifies: "
                    + skipped + " (move them away to start the run over)");
        }
        return Optional.empty();
    }

    /** The checkpoints the last {@link #latestValid} passed over, newest first (empty when it took the newest). */
    public List<Skipped> skipped() {
        return skipped;
    }

    /** The checkpoint of {@code step} as written: its directory and the sha256 of its state.json. */
    public Saved saved(long step) throws IOException {
        Path dir = runDir.resolve(String.format("step-%09d", step));
        return new Saved(dir, Checkpoint.sha256(dir.resolve("state.json")));
    }

    /** Checkpoints found damaged by {@link #latestValid}. */
    public int damaged() {
        return damaged;
    }

    private void prune() throws IOException {
        List<Path> all = list();
        for (int i = keep; i < all.size(); i++) deleteTree(all.get(i));
        try (Stream<Path> s = Files.list(runDir)) { // temp dirs of a save that crashed
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(".step-"))
                    .toList()) deleteTree(p);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
