package io.inrank.commands.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --with-torch}: one of {@code bench/}'s PyTorch references on the config a Java bench just ran, in the same
 * terminal, so the two JSON lines sit side by side. The system interpreter, as the references need its torch.
 */
final class TorchReference {
    private TorchReference() {}

    static final String PYTHON = "/usr/bin/python3";

    /** The repository root: {@code inrank.home} (the launcher sets it), else the working directory. */
    static Path home() {
        String home = System.getProperty("inrank.home");
        return Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.dir"));
    }

    /** {@code python3 bench/SCRIPT ARGS --threads N}, with N all the processors this JVM may use. */
    static List<String> command(Path home, String script, List<String> args) {
        List<String> cmd = new ArrayList<>(
                List.of(PYTHON, home.resolve("bench").resolve(script).toString()));
        cmd.addAll(args);
        cmd.addAll(List.of("--threads", String.valueOf(Runtime.getRuntime().availableProcessors())));
        return cmd;
    }

    /** Runs the reference with this process's stdin, stdout and stderr; returns its exit code. */
    static int run(String script, List<String> args) throws IOException, InterruptedException {
        Path home = home();
        Path file = home.resolve("bench").resolve(script);
        if (!Files.isRegularFile(file))
            throw new IllegalArgumentException(
                    "--with-torch: no " + file + " (run from the repository, or set -Dinrank.home)");
        return new ProcessBuilder(command(home, script, args))
                .inheritIO()
                .start()
                .waitFor();
    }
}
