package io.inrank.model;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The backend seam holds: outside {@code backend/nd4j} no main source touches ND4J, so a second backend (CUDA 13 via
 * JavaCPP) replaces it without touching the model code.
 */
class BackendSeamTest {
    @Test
    void nd4jStaysInsideItsBackend() throws IOException {
        Path root = Path.of("src/main/java/io/inrank/model");
        Path nd4j = root.resolve("backend/nd4j");
        List<String> leaks;
        try (Stream<Path> files = Files.walk(root)) {
            leaks = files.filter(f -> f.toString().endsWith(".java") && !f.startsWith(nd4j))
                    .filter(f -> {
                        try {
                            return Files.readString(f).contains("org.nd4j");
                        } catch (IOException e) {
                            throw new RuntimeException(e);
                        }
                    })
                    .map(Path::toString).toList();
        }
        assertEquals(List.of(), leaks);
    }
}
