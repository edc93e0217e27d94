package io.inrank.cli.launch;

import io.inrank.model.backend.CudaEmulation;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The repository's {@code jvm.properties}: the flags and native environment every InRank JVM runs with, read here for
 * the JVMs the CLI starts (the launcher reads the same file for the CLI's own JVM, the images and the test poms too).
 */
public record JvmSettings(List<String> flags, Map<String, String> env) {

    public static final String FILE = "jvm.properties";

    /** Flags for a local run: common + vector + local, then the user's {@code JAVA_OPTS}. */
    public static JvmSettings local(Path home) {
        return load(home.resolve(FILE), "common", "vector", "local");
    }

    /** Flags for a test's child JVM: common + vector + test. */
    public static JvmSettings test(Path home) {
        return load(home.resolve(FILE), "common", "vector", "test");
    }

    static JvmSettings load(Path file, String... groups) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
        List<String> flags = new ArrayList<>();
        for (String g : groups) {
            String v = p.getProperty("inrank.jvm." + g);
            if (v == null) throw new IllegalStateException(file + ": no inrank.jvm." + g);
            flags.addAll(split(v));
        }
        // the emulated CUDA device (INRANK_CUDA_EMULATION=1): children load the same stand-ins as this JVM
        String emulator = System.getProperty(CudaEmulation.LINK_PATH);
        if (emulator != null) flags.add("-D" + CudaEmulation.LINK_PATH + "=" + emulator);
        flags.addAll(split(System.getenv().getOrDefault("JAVA_OPTS", "")));
        Map<String, String> env = new LinkedHashMap<>();
        for (String k : p.stringPropertyNames()) {
            if (!k.startsWith("inrank.env.")) continue;
            String name = k.substring("inrank.env.".length());
            env.put(name, System.getenv().getOrDefault(name, p.getProperty(k)));
        }
        return new JvmSettings(List.copyOf(flags), Map.copyOf(env));
    }

    private static List<String> split(String s) {
        return s.isBlank() ? List.of() : Arrays.asList(s.trim().split("\\s+"));
    }
}
