package io.inrank.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The backend seam holds: no main source of any module names a backend implementation or ND4J, except the backend's
 * own package (in model or in a backend module such as backend-cuda); backends are found by name ({@code Backends}, a ServiceLoader). So a second backend (CUDA) replaces ND4J
 * without touching the model, trainer or server.
 */
class BackendSeamTest {
    /** ND4J itself, and the implementation packages of the backends. */
    static final Pattern IMPLEMENTATION = Pattern.compile(
            "org\\.nd4j|io\\.inrank\\.model\\.backend\\.(nd4j|reference|cuda)\\b|Nd4jBackend|ReferenceBackend");

    static final Pattern IMPLEMENTATION_PACKAGE =
            Pattern.compile(".*/src/main/java/io/inrank/model/backend/[a-z0-9]+/[^/]+\\.java");

    @Test
    void noMainSourceOutsideABackendNamesAnImplementation() throws IOException {
        Path repo = Path.of("..").toAbsolutePath().normalize();
        List<String> leaks = new ArrayList<>();
        try (Stream<Path> files = Files.walk(repo)) {
            for (Path f : files.filter(
                            p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/java/"))
                    .toList()) {
                // inside an implementation package (in the model module or a backend module of its own)
                if (IMPLEMENTATION_PACKAGE.matcher(f.toString()).matches()) continue;
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    String l = lines.get(i);
                    if (l.trim().startsWith("*") || l.trim().startsWith("//")) continue; // docs may mention them
                    if (IMPLEMENTATION.matcher(l).find())
                        leaks.add(repo.relativize(f) + ":" + (i + 1) + ": " + l.trim());
                }
            }
        }
        assertEquals(List.of(), leaks);
    }
}
