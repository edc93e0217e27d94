package io.inrank.model.backend.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The CUDA compiler of the build machine, if any: {@code nvcc} on the PATH or in /usr/local/cuda/bin. */
final class Nvcc {
    private Nvcc() {}

    static Path find() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, "nvcc");
            if (Files.isExecutable(p)) return p;
        }
        Path p = Path.of("/usr/local/cuda/bin/nvcc");
        return Files.isExecutable(p) ? p : null;
    }

    record Result(int exit, String output) {}

    static Result run(Path nvcc, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(nvcc.toString()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("nvcc did not finish: " + cmd);
        }
        return new Result(p.exitValue(), out);
    }
}
