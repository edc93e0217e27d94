package io.inrank.trainer.checkpoint;

import io.inrank.model.AdamW;
import io.inrank.model.GptModel;
import io.inrank.model.io.Checkpoint;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A run's checkpoints: {@code <dir>/<run>/step-000000100/} (written atomically by {@link Checkpoint#save}); the newest
 * K are kept. On resume the newest one that verifies is used: a damaged one is reported (and counted) and the one
 * before it tried, so a crash during a disk fault costs at most one checkpoint interval.
 */
public final class CheckpointStore {
    private static final Logger LOG = Logger.getLogger(CheckpointStore.class);
    private final Path runDir;
    private final int keep;
    private int damaged;

    public CheckpointStore(Path root, String run, int keep) {
        this.runDir = root.resolve(run).toAbsolutePath().normalize();
        this.keep = keep;
    }

    public Path runDir() {
        return runDir;
    }

    /** A saved checkpoint: its directory and the sha256 of its state.json (which pins every other file's hash). */
    public record Saved(Path dir, String sha256) {}

    public Saved save(long step, GptModel model, AdamW opt, Checkpoint.State state) {
        try {
            Files.createDirectories(runDir);
            Path dir = runDir.resolve(String.format("step-%09d", step));
            if (Files.exists(dir)) deleteTree(dir); // re-reached after a resume: replace with the identical state
            Checkpoint.save(dir, model, opt, state);
            prune();
            return new Saved(dir, sha256(dir.resolve("state.json")));
        } catch (IOException e) {
            throw new UncheckedIOException("writing checkpoint of step " + step + " under " + runDir + " failed: " + e.getMessage(), e);
        }
    }

    /** Checkpoint directories, newest first. */
    public List<Path> list() {
        if (!Files.isDirectory(runDir)) return List.of();
        try (Stream<Path> s = Files.list(runDir)) {
            return s.filter(p -> p.getFileName().toString().matches("step-\\d{9}") && Files.isDirectory(p))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The newest checkpoint that loads and verifies, or empty when the run has none.
     *
     * @throws IllegalStateException when checkpoints exist but none verifies (starting over would silently lose them)
     */
    public Optional<Checkpoint.Loaded> latestValid(int batch, int seq) {
        List<Path> all = list();
        List<String> problems = new ArrayList<>();
        for (Path p : all) {
            try {
                Checkpoint.Loaded l = Checkpoint.load(p, batch, seq);
                if (!problems.isEmpty()) LOG.warnf("resuming from the older checkpoint %s", p);
                return Optional.of(l);
            } catch (IOException | RuntimeException e) {
                damaged++;
                problems.add(e.getMessage());
                LOG.errorf("checkpoint %s is damaged and is skipped: %s", p, e.getMessage());
            }
        }
        if (!all.isEmpty()) {
            throw new IllegalStateException("none of the " + all.size() + " checkpoints in " + runDir + " verifies: " + problems
                    + " (move them away to start the run over)");
        }
        return Optional.empty();
    }

    /** Checkpoints found damaged by {@link #latestValid}. */
    public int damaged() {
        return damaged;
    }

    private void prune() throws IOException {
        List<Path> all = list();
        for (int i = keep; i < all.size(); i++) deleteTree(all.get(i));
        try (Stream<Path> s = Files.list(runDir)) { // temp dirs of a save that crashed
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(".step-")).toList()) deleteTree(p);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
