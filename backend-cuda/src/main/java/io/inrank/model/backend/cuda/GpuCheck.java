package io.inrank.model.backend.cuda;

import io.inrank.commands.bench.TrainBench;
import io.inrank.model.backend.Backends;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

/**
 * The Java side of {@code bench/gpu-check.sh}: what the GPU check runs on the GPU host, and what runs here against the
 * reference backend so that only the GPU is new there. {@code env} says what this JVM sees; {@code losses},
 * {@code spectra} and {@code train} (the training bench) take {@code --backend}. Runs from a plain class path (no
 * ND4J jars needed).
 */
@Command(
        name = "gpu-check",
        mixinStandardHelpOptions = true,
        description =
                "Checks of a compute backend against the reference and stored nd4j results, and the training bench.",
        subcommands = {
            GpuCheck.Env.class,
            GpuCheck.Units.class,
            LossCheck.class,
            SpectraCheck.class,
            CollectivesCheck.class,
            TrainBench.class
        })
public final class GpuCheck implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new GpuCheck()).execute(args));
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    /** One JSON line per backend with its state here, and the CUDA device when there is one. */
    @Command(
            name = "env",
            mixinStandardHelpOptions = true,
            description = "What this JVM sees: Java, backends, the GPU.")
    static final class Env implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Option(
                names = "--require",
                paramLabel = "BACKEND",
                description = "Exit 1 when this backend is unavailable here (the GPU check's env step: cuda).")
        String require;

        @Override
        public Integer call() {
            var out = spec.commandLine().getOut();
            out.printf(
                    Locale.ROOT,
                    "{\"check\":\"env\",\"java\":\"%s\",\"os\":\"%s %s\",\"cpus\":%d}%n",
                    System.getProperty("java.version"),
                    System.getProperty("os.name"),
                    System.getProperty("os.arch"),
                    Runtime.getRuntime().availableProcessors());
            for (Backends.Status s : Backends.list())
                out.printf(
                        "{\"check\":\"backend\",\"name\":\"%s\",\"available\":%b,\"detail\":\"%s\"}%n",
                        s.name(), s.available(), json(s.available() ? s.description() : s.unavailableReason()));
            if (CudaRuntime.unavailableReason() == null) {
                CudaRuntime.Device d = CudaRuntime.device();
                out.printf(
                        "{\"check\":\"cuda\",\"arch\":\"%s\",\"runtime\":%d,\"driver\":%d,\"nvrtc\":\"%s\",\"emulated\":%b}%n",
                        d.arch(), d.runtimeVersion(), d.driverVersion(), d.nvrtcVersion(), d.emulated());
                out.printf(
                        "{\"check\":\"cuda-backend\",\"opened\":\"%s\"}%n",
                        json(((CudaBackend) Backends.open("cuda")).describe()));
            }
            out.flush();
            if (require != null) {
                for (Backends.Status s : Backends.list()) {
                    if (!s.name().equals(require)) continue;
                    if (s.available()) return 0;
                    spec.commandLine().getErr().println("gpu-check: " + s);
                    return 1;
                }
                spec.commandLine().getErr().println("gpu-check: no backend named " + require);
                return 1;
            }
            return 0;
        }

        private static String json(String s) {
            return s == null ? "" : s.replace("\\", "\\\\").replace("\"", "\\\"");
        }
    }

    /** Every kernel family's translation unit and the NVRTC options, for a compile check outside Java. */
    @Command(
            name = "units",
            mixinStandardHelpOptions = true,
            description = "Write each kernel family's NVRTC unit (FAMILY.cu) and options.txt (one option a line, the"
                    + " architecture as ARCH) into a directory: bench/nvrtc_precompile.py compiles them.")
    static final class Units implements Callable<Integer> {
        @CommandLine.Option(names = "--out", required = true, paramLabel = "DIR")
        Path out;

        @Override
        public Integer call() throws IOException {
            Files.createDirectories(out);
            for (String family : KernelSources.FAMILIES)
                Files.writeString(out.resolve(family + ".cu"), KernelSources.unit(family));
            Files.write(out.resolve("options.txt"), List.of(Kernels.options("ARCH")));
            return 0;
        }
    }
}
