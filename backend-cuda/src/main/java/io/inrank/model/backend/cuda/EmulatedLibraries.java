package io.inrank.model.backend.cuda;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the process has mapped, to prove that only the emulated device's CUDA libraries were loaded. */
final class EmulatedLibraries {
    private EmulatedLibraries() {}

    /** The CUDA libraries the presets link (and a driver): any of them from elsewhere is a real one. */
    private static final Pattern CUDA_LIBRARY =
            Pattern.compile("(/\\S*/)?(libcuda|libcudart|libnvrtc|libcublas|libcublasLt|libcusolver|libcusolverMg)"
                    + "\\.so(\\.\\d+)*$");

    /** The first mapped CUDA library outside dir, or null when every one is the emulator's. */
    static String foreignCudaLibrary(Path dir) {
        try {
            return foreign(Files.readAllLines(Path.of("/proc/self/maps"), StandardCharsets.UTF_8), dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String foreign(List<String> maps, Path dir) {
        for (String line : maps) {
            int slash = line.indexOf('/');
            if (slash < 0) continue;
            String file = line.substring(slash).trim();
            Matcher m = CUDA_LIBRARY.matcher(file);
            if (!m.matches()) continue;
            Path p = Path.of(file);
            if (dir == null || !p.getParent().toAbsolutePath().normalize().equals(dir.normalize())) return file;
        }
        return null;
    }

    /** The emulator build's id (its lib/build-id file: a hex hash build.sh writes last). */
    static String buildId(Path dir) {
        try {
            String id = Files.readString(dir.resolve("build-id"), StandardCharsets.UTF_8)
                    .trim();
            if (!id.matches("[0-9a-f]+")) throw new IOException("'" + id + "' is no build id");
            return id;
        } catch (IOException e) {
            throw new CudaRuntime.UnavailableException("the emulated CUDA device at " + dir
                    + " is incomplete (rebuild it: ./mvnw -pl cuda-emulator install): " + e.getMessage());
        }
    }
}
