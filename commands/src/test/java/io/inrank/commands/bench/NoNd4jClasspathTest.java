package io.inrank.commands.bench;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The model jar runs the reference backend in a JVM that has no ND4J and no JavaCPP/OpenBLAS jars at all (what a
 * small class path for a GPU machine needs): a training step completes, and asking for nd4j there is a usage error
 * (exit code 2) that names the reason.
 */
class NoNd4jClasspathTest {
    /** The train bench as its own process: the bench has no main (it is a subcommand of the CLI). */
    public static final class TrainBenchProcess {
        public static void main(String[] args) {
            System.exit(new CommandLine(new TrainBench()).execute(args));
        }
    }

    static String classPathWithoutNd4j() {
        List<String> keep = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String n = e.replace('\\', '/');
            // test-classes stays: it holds only the launcher above, which loads nothing of ND4J
            if (n.contains("/org/nd4j/") || n.contains("/org/bytedeco/")) continue;
            keep.add(e);
        }
        return String.join(File.pathSeparator, keep);
    }

    static String[] run(String cp, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-cp",
                cp,
                TrainBenchProcess.class.getName()));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "timed out: " + out);
        return new String[] {String.valueOf(p.exitValue()), out};
    }

    @Test
    void referenceBackendTrainsWithoutNd4jJars() throws Exception {
        String cp = classPathWithoutNd4j();
        assertFalse(cp.contains("nd4j-native") || cp.contains("openblas") || cp.contains("javacpp"), cp);
        String[] ok = run(
                cp,
                "--backend",
                "reference",
                "--preset",
                "tiny",
                "--batch",
                "1",
                "--seq",
                "8",
                "--steps",
                "1",
                "--warmup",
                "0");
        assertEquals("0", ok[0], ok[1]);
        assertTrue(ok[1].contains("\"impl\":\"reference\""), ok[1]);

        String[] refused = run(cp, "--backend", "nd4j", "--steps", "1");
        assertEquals("2", refused[0], refused[1]);
        List<String> lines = refused[1].lines().filter(l -> !l.isBlank()).collect(Collectors.toList());
        assertTrue(lines.get(0).startsWith("--backend nd4j: ND4J is not on the class path"), refused[1]);
        assertTrue(refused[1].contains("Usage: train"), refused[1]);
    }
}
