package io.inrank.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module rules, checked over the sources and poms of the whole tree (plain JUnit, no library): libraries hold no
 * command-line code, only a backend's own package names a concrete backend, and no module depends on one at its own
 * layer or above. Each rule is also run on a planted violation, so a rule that cannot fail fails here.
 */
class ArchitectureTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** Lower layers first; a module may depend only on modules of a lower layer. */
    static final Map<String, Integer> LAYER = Map.ofEntries(
            // test harnesses: a real broker, the emulated CUDA device
            Map.entry("kafka-local", 0),
            Map.entry("cuda-emulator", 0),
            Map.entry("tokenizer", 0),
            Map.entry("protocol", 1),
            Map.entry("rank", 1),
            Map.entry("model", 1),
            Map.entry("commands", 2),
            Map.entry("backend-cuda", 3),
            Map.entry("data-ingest", 4),
            Map.entry("rank-controller", 4),
            Map.entry("inference", 4),
            Map.entry("trainer", 4),
            Map.entry("cli", 5),
            Map.entry("k8s", 5));

    /** Libraries every service links: no command-line code (picocli lives in commands and above). */
    static final List<String> LIBRARIES = List.of("protocol", "model");

    static final Pattern BACKEND_PACKAGE = Pattern.compile("io\\.inrank\\.model\\.backend\\.(nd4j|reference|cuda)\\b");
    static final Pattern DEPENDENCY = Pattern.compile(
            "<dependency>\\s*(?:<!--.*?-->\\s*)*<groupId>io\\.inrank</groupId>\\s*<artifactId>([a-z0-9-]+)</artifactId>",
            Pattern.DOTALL);

    /** Breaches of the three rules in these main sources (path relative to the root → text). */
    static List<String> sourceViolations(Map<String, String> sources) {
        List<String> out = new ArrayList<>();
        sources.forEach((path, text) -> {
            String module = path.substring(0, path.indexOf('/'));
            if (LIBRARIES.contains(module) && text.contains("picocli"))
                out.add(path + ": a library names picocli (command-line code belongs in commands or cli)");
            Matcher m = BACKEND_PACKAGE.matcher(text);
            String own = ownBackend(path);
            while (m.find()) {
                if (!m.group(1).equals(own))
                    out.add(path + ": names the concrete backend package " + m.group() + " (use Backends)");
            }
        });
        return out;
    }

    /** The backend package a source is in (nd4j, reference, cuda), or null. */
    static String ownBackend(String path) {
        Matcher m = Pattern.compile("/io/inrank/model/backend/(nd4j|reference|cuda)/")
                .matcher(path);
        return m.find() ? m.group(1) : null;
    }

    /** Upward or sideways module dependencies in these poms (module → pom text). */
    static List<String> dependencyViolations(Map<String, String> poms) {
        List<String> out = new ArrayList<>();
        dependencies(poms).forEach((module, deps) -> {
            Integer layer = LAYER.get(module);
            if (layer == null) {
                out.add(module + ": a module with no layer in ArchitectureTest.LAYER");
                return;
            }
            for (String d : deps) {
                Integer dl = LAYER.get(d);
                if (dl == null || dl >= layer)
                    out.add(module + " (layer " + layer + ") depends on " + d + " (layer " + dl + ")");
            }
        });
        return out;
    }

    /** module → the io.inrank modules it depends on (any scope). */
    static Map<String, List<String>> dependencies(Map<String, String> poms) {
        Map<String, List<String>> out = new TreeMap<>();
        poms.forEach((module, pom) -> {
            List<String> deps = new ArrayList<>();
            Matcher m = DEPENDENCY.matcher(pom);
            while (m.find()) if (!deps.contains(m.group(1))) deps.add(m.group(1));
            out.put(module, deps);
        });
        return out;
    }

    static Map<String, String> mainSources() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String module : LAYER.keySet()) {
            Path src = ROOT.resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(src)) continue;
            try (Stream<Path> files = Files.walk(src)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList())
                    out.put(ROOT.relativize(f).toString().replace('\\', '/'), Files.readString(f));
            }
        }
        return out;
    }

    static Map<String, String> modulePoms() throws IOException {
        Map<String, String> out = new TreeMap<>();
        String root = Files.readString(ROOT.resolve("pom.xml"));
        Matcher m = Pattern.compile("<module>([a-z0-9-]+)</module>").matcher(root);
        while (m.find())
            out.put(m.group(1), Files.readString(ROOT.resolve(m.group(1)).resolve("pom.xml")));
        return out;
    }

    @Test
    void theTreeKeepsTheRules() throws IOException {
        Map<String, String> sources = mainSources();
        assertTrue(sources.size() > 200, "found the sources: " + sources.size());
        assertEquals(List.of(), sourceViolations(sources));
        Map<String, String> poms = modulePoms();
        assertEquals(LAYER.keySet(), poms.keySet(), "every module has a layer");
        assertEquals(List.of(), dependencyViolations(poms));
        // the picture docs/ARCHITECTURE.md shows, printed for the record
        dependencies(poms).forEach((mod, deps) -> System.out.println(mod + " -> " + String.join(", ", deps)));
    }

    @Test
    void eachRuleFailsOnAPlantedViolation() {
        String picocliInModel = "model/src/main/java/io/inrank/model/Planted.java";
        String nd4jInTrainer = "trainer/src/main/java/io/inrank/trainer/Planted.java";
        String nd4jInNd4j = "model/src/main/java/io/inrank/model/backend/nd4j/Planted.java";
        String cudaInNd4j = "model/src/main/java/io/inrank/model/backend/nd4j/Other.java";
        List<String> v = sourceViolations(Map.of(
                picocliInModel, "import picocli.CommandLine;",
                nd4jInTrainer, "import io.inrank.model.backend.nd4j.Nd4jBackend;",
                nd4jInNd4j, "import io.inrank.model.backend.nd4j.Flat;",
                cudaInNd4j, "io.inrank.model.backend.cuda.CudaBackend b;"));
        assertEquals(3, v.size(), v.toString());
        assertTrue(v.stream().anyMatch(s -> s.startsWith(picocliInModel + ": a library names picocli")), v.toString());
        assertTrue(
                v.stream().anyMatch(s -> s.startsWith(nd4jInTrainer + ": names the concrete backend")), v.toString());
        assertTrue(v.stream().anyMatch(s -> s.startsWith(cudaInNd4j)), v.toString());

        String dep = "<dependency><groupId>io.inrank</groupId><artifactId>%s</artifactId></dependency>";
        assertEquals(
                List.of(
                        "model (layer 1) depends on trainer (layer 4)",
                        "trainer (layer 4) depends on inference (layer 4)"),
                dependencyViolations(Map.of(
                        "model", String.format(dep, "kafka-local") + String.format(dep, "trainer"),
                        "trainer", String.format(dep, "model") + String.format(dep, "inference"))));
    }
}
