package io.inrank.model.backend.cuda;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Compiled kernels on disk, so NVRTC runs once per (kernel source, GPU architecture, NVRTC version): a new source, a
 * different GPU or a different NVRTC (whose output the driver must accept) each get their own file. Files are written
 * to a temporary name and moved into place, so a reader never sees half a cubin, and concurrent processes may race
 * harmlessly (both write the same bytes).
 */
public final class CubinCache {
    private final Path dir;

    public CubinCache(Path dir) {
        this.dir = dir;
    }

    /** {@code $INRANK_CACHE/cubin}, else {@code ~/.cache/inrank/cubin} (the same root the ingest's downloads use). */
    public static CubinCache standard() {
        String root = System.getenv("INRANK_CACHE");
        Path base = root != null && !root.isBlank()
                ? Path.of(root)
                : Path.of(System.getProperty("user.home"), ".cache", "inrank");
        return new CubinCache(base.resolve("cubin"));
    }

    /** The file a family's cubin lives in: family, source hash, architecture and NVRTC version in the name. */
    public Path file(String family, String source, String arch, String nvrtcVersion) {
        if (!arch.matches("sm_\\d+")
                || !nvrtcVersion.matches("\\d+\\.\\d+(-emulated-[0-9a-f]+)?")
                || !family.matches("[a-z0-9_]+")) {
            throw new IllegalArgumentException(
                    "cache key parts: family [a-z0-9_]+, arch sm_NN, NVRTC version N.N[-emulated-ID]; got " + family
                            + ", " + arch + ", " + nvrtcVersion);
        }
        return dir.resolve(
                family + "-" + sha256(source).substring(0, 16) + "-" + arch + "-nvrtc" + nvrtcVersion + ".cubin");
    }

    /** The cached cubin, or null when there is none yet. */
    public byte[] load(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readAllBytes(file) : null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    public void store(Path file, byte[] cubin) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".part");
            Files.write(tmp, cubin);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
