package io.inrank.inference.service;

import io.inrank.model.io.Checkpoint;
import io.inrank.protocol.CheckpointEvent;
import io.inrank.protocol.RunKey;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What a checkpoint event may make the server load. An event on {@code inrank.checkpoints} is input from whoever holds
 * the {@code trainer} login — every run's trainer — so it is believed only as far as it can be checked:
 *
 * <ul>
 *   <li>it is the watched run's: record key and body name the run, and with a run key configured the record carries
 *       the run's signature ({@link RunKey}), which another run's trainer cannot make;
 *   <li>it moves the run forward: a step after the served one, by at most {@code maxStepJump} (a forged far-future step
 *       would otherwise pin the server, since every genuine later step would look old);
 *   <li>it names a directory where the run's checkpoints live: {@code <root>/<run>/step-<step, 9 digits>}, after
 *       resolving links ({@code ..}, a symlink out, another run's directory, another step's directory: refused);
 *   <li>what will be opened are regular files (not a FIFO that blocks the reader, not a link) of bounded size, and the
 *       state file's sha256 is the event's (the state pins every other file's hash, checked by the load).
 * </ul>
 *
 * The same file checks guard the fallback to the newest checkpoint on disk ({@link #onDisk}).
 */
final class CheckpointGate {
    /** state.json holds config, ranks and hashes: a few KiB. */
    static final long MAX_STATE_BYTES = 1 << 20;

    private static final Pattern STEP_DIR = Pattern.compile("step-(\\d{9})");

    /** A refusal: reason is a short fixed word (a metric tag), message says what exactly (for the log only). */
    static final class Refused extends Exception {
        final String reason;
        /** Whether the record itself is bad (dead-letter it) rather than what it points at. */
        final boolean badRecord;

        Refused(String reason, boolean badRecord, String message) {
            super(message);
            this.reason = reason;
            this.badRecord = badRecord;
        }
    }

    private final Path root;
    private final String run;
    private final Optional<RunKey> key;
    private final long maxStepJump, maxFileBytes;

    /**
     * @param root the checkpoint root; the run's checkpoints are {@code root/<run>/step-*}
     * @param key the run's key: when present, only signed events are believed
     */
    CheckpointGate(Path root, String run, Optional<RunKey> key, long maxStepJump, long maxFileBytes) {
        this.root = root;
        this.run = run;
        this.key = key;
        this.maxStepJump = maxStepJump;
        this.maxFileBytes = maxFileBytes;
    }

    boolean signed() {
        return key.isPresent();
    }

    /** The record is the watched run's own, as far as its key, body and signature can tell. */
    void checkRecord(ConsumerRecord<byte[], byte[]> r, CheckpointEvent e) throws Refused {
        if (key.isPresent()) {
            String problem = key.get().problem(r);
            if (problem != null) throw new Refused("signature", true, problem);
        }
        if (!run.equals(e.run()))
            throw new Refused("run", true, "the record is keyed by run " + run + " but its body names run " + e.run());
    }

    /**
     * The checkpoint directory the event may load (real path), given the step now served for this run (−1: none).
     *
     * @throws Refused when the event may not choose the model
     */
    Path admit(CheckpointEvent e, long servedStep) throws Refused {
        if (servedStep >= 0 && e.step() <= servedStep)
            throw new Refused(
                    "step",
                    false,
                    "step " + e.step() + " is not after the served step " + servedStep + " of run " + run);
        if (servedStep >= 0 && e.step() - servedStep > maxStepJump)
            throw new Refused(
                    "step",
                    false,
                    "step " + e.step() + " is more than " + maxStepJump + " steps after the served step " + servedStep
                            + " (inrank.serve.max-step-jump)");
        URI uri;
        try {
            uri = URI.create(e.uri());
        } catch (IllegalArgumentException x) {
            throw new Refused("path", true, "the event's uri is not a URI: " + x.getMessage());
        }
        if (!"file".equals(uri.getScheme()))
            throw new Refused("path", false, "only file:// checkpoints can be loaded, got scheme " + uri.getScheme());
        Path given;
        try {
            given = Path.of(uri);
        } catch (IllegalArgumentException | FileSystemNotFoundException x) {
            throw new Refused("path", true, "the event's uri is not a local path: " + x.getMessage());
        }
        for (Path part : given) if (part.toString().equals("..")) throw new Refused("path", false, e.uri() + ": '..'");
        Path dir = confined(given);
        String expected = String.format("step-%09d", e.step());
        if (!dir.getFileName().toString().equals(expected))
            throw new Refused(
                    "path", false, e.uri() + " is not the directory of step " + e.step() + " (" + expected + ")");
        checkFiles(dir);
        String sha;
        try {
            sha = Checkpoint.sha256(dir.resolve("state.json"));
        } catch (IOException x) {
            throw new Refused("file", false, "cannot read " + dir.resolve("state.json") + ": " + x.getMessage());
        }
        if (!sha.equals(e.sha256()))
            throw new Refused(
                    "hash", false, dir.resolve("state.json") + " has sha256 " + sha + ", the event says " + e.sha256());
        return dir;
    }

    /** The run's checkpoint directories on disk that pass the file checks, newest first (for the fallback). */
    List<Path> onDisk() {
        List<Path> out = new ArrayList<>();
        Path runDir;
        try {
            runDir = runDir();
        } catch (Refused e) {
            return out;
        }
        try (Stream<Path> s = Files.list(runDir)) {
            for (Path p : s.filter(
                            p -> STEP_DIR.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString())
                            .reversed())
                    .toList()) {
                try {
                    Path d = confined(p);
                    if (!d.getFileName().equals(p.getFileName())) continue; // a link to another step's directory
                    checkFiles(d);
                    out.add(d);
                } catch (Refused ignored) {
                    // not a candidate; the fallback logs what it tried
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** The step a checkpoint directory's name says. */
    static long stepOf(Path dir) {
        var m = STEP_DIR.matcher(dir.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private Path runDir() throws Refused {
        try {
            Path realRoot = root.toRealPath();
            Path r = realRoot.resolve(run).normalize();
            if (!r.getParent().equals(realRoot)) throw new Refused("path", false, "run id " + run + " is not a name");
            return r.toRealPath();
        } catch (IOException x) {
            throw new Refused("path", false, "the run's checkpoint directory under " + root + " is not there: " + x);
        }
    }

    /** The directory's real path, which must be a child of the run's real directory. */
    private Path confined(Path dir) throws Refused {
        Path runDir = runDir();
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException x) {
            throw new Refused("path", false, dir + " is not there: " + x.getMessage());
        }
        if (real.getParent() == null || !real.getParent().equals(runDir))
            throw new Refused(
                    "path",
                    false,
                    dir + " is outside the run's checkpoint directory " + runDir + " (inrank.serve.checkpoint-root)");
        if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS))
            throw new Refused("path", false, dir + " is not a directory");
        return real;
    }

    /** Everything the load opens: regular files (no links, no FIFOs or devices), of bounded size. */
    private void checkFiles(Path dir) throws Refused {
        file(dir.resolve("state.json"), MAX_STATE_BYTES, true);
        for (String name : List.of("model.safetensors", "optimizer.safetensors"))
            file(dir.resolve(name), maxFileBytes, name.startsWith("model"));
    }

    private static void file(Path p, long max, boolean required) throws Refused {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException x) {
            if (!required) return;
            throw new Refused("file", false, p + " is missing");
        }
        if (!a.isRegularFile())
            throw new Refused("file", false, p + " is not a regular file (a link, a FIFO or a device is never opened)");
        if (a.size() > max) throw new Refused("file", false, p + " has " + a.size() + " bytes, over the limit " + max);
    }
}
