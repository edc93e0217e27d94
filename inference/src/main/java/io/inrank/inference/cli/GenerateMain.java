package io.inrank.inference.cli;

import io.inrank.commands.BackendOption;
import io.inrank.commands.Commands;
import io.inrank.inference.engine.Engine;
import io.inrank.inference.engine.Generation;
import io.inrank.inference.engine.GenerationListener;
import io.inrank.inference.engine.GenerationRequest;
import io.inrank.inference.engine.ServedModel;
import io.inrank.model.backend.Backend;
import io.inrank.model.generate.Sampler;
import io.inrank.model.io.Checkpoint;
import io.inrank.tokenizer.Gpt2Tokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code inrank generate "prompt"}: one generation on the command line, streamed to stdout, with the same engine the
 * server uses. A relative {@code --checkpoint} is the caller's; the default (the demo's run) is under the repository
 * ({@code inrank.home}), wherever the command is run from.
 */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = {
            "One generation from a checkpoint, streamed to stdout, with the server's engine.",
            "The model's run, step and ranks, then tokens/s, go to stderr."
        })
public final class GenerateMain implements Callable<Integer> {
    static final String DEMO_CHECKPOINT = ".inrank/demo/checkpoints/demo";

    @Spec
    CommandSpec spec;

    @Mixin
    BackendOption backend;

    @Parameters(index = "0", paramLabel = "PROMPT", description = "The text to continue, e.g. \"The history of\".")
    String prompt;

    @Option(
            names = "--checkpoint",
            paramLabel = "DIR",
            defaultValue = DEMO_CHECKPOINT,
            description = {
                "A step-* checkpoint or a run directory (its newest checkpoint).",
                "Default: the demo's run,",
                "${DEFAULT-VALUE} in the repository."
            })
    String checkpoint;

    @Option(
            names = "--max-new-tokens",
            paramLabel = "N",
            defaultValue = "40",
            description = "Tokens to generate, at most what the context leaves (default: ${DEFAULT-VALUE}).")
    int max;

    @Option(
            names = "--temperature",
            paramLabel = "T",
            defaultValue = "0.8",
            description = "Sampling temperature; 0: greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(
            names = "--top-k",
            paramLabel = "K",
            defaultValue = "40",
            description = "Sample among the K most likely tokens (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(
            names = "--seed",
            paramLabel = "N",
            defaultValue = "1",
            description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    public static void main(String[] args) {
        Commands.exit(new GenerateMain(), args);
    }

    @Override
    public Integer call() throws Exception {
        if (prompt.isEmpty())
            throw new ParameterException(spec.commandLine(), "give a prompt, e.g. \"The history of\"");
        if (max < 1) throw new ParameterException(spec.commandLine(), "--max-new-tokens must be at least 1");
        if (temperature < 0) throw new ParameterException(spec.commandLine(), "--temperature must be at least 0");
        if (temperature > 0 && topK < 1) throw new ParameterException(spec.commandLine(), "--top-k must be at least 1");
        Backend be = backend.open();
        boolean demo = !spec.commandLine().getParseResult().hasMatchedOption("--checkpoint");
        Path dir = demo ? home().resolve(DEMO_CHECKPOINT) : Path.of(checkpoint);
        ServedModel m;
        try {
            m = ServedModel.load(be, Checkpoint.resolve(dir));
        } catch (Exception e) {
            throw new Commands.BadInputException(
                    e.getMessage() + (demo ? " (run `inrank demo` first, or pass --checkpoint)" : ""), e);
        }
        int[] ids = Gpt2Tokenizer.encode(prompt);
        int room = m.context() - ids.length;
        if (room < 1)
            throw new Commands.BadInputException(
                    "the prompt has " + ids.length + " tokens; the model's context is " + m.context());
        GenerationRequest req = new GenerationRequest(
                ids,
                Math.min(max, room),
                temperature == 0 ? Sampler.Params.greedy() : new Sampler.Params(temperature, topK, 1, 1, seed),
                List.of());
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        CountDownLatch done = new CountDownLatch(1);
        Generation.Result[] result = new Generation.Result[1];
        Throwable[] failure = new Throwable[1];
        err.printf("[%s step %d, ranks %s]%n", m.run(), m.step(), m.ranks().values());
        err.flush();
        out.print(prompt);
        out.flush();
        try (Engine engine = new Engine(1, 1)) {
            engine.swap(m);
            engine.submit(req, new GenerationListener() {
                @Override
                public void token(int id, String text) {
                    out.print(text);
                    out.flush();
                }

                @Override
                public void done(Generation.Result r) {
                    result[0] = r;
                    done.countDown();
                }

                @Override
                public void failed(Throwable e) {
                    failure[0] = e;
                    done.countDown();
                }
            });
            done.await();
        }
        out.println();
        out.flush();
        if (failure[0] != null) throw new IllegalStateException("generation failed", failure[0]);
        Generation.Result r = result[0];
        err.printf(
                "[%d tokens, %.1f tokens/s, finish: %s]%n",
                r.tokens().length,
                r.tokens().length / (r.totalNanos() / 1e9),
                r.finish().name().toLowerCase());
        err.flush();
        return 0;
    }

    /** The repository root: {@code inrank.home} (the launcher sets it), else the working directory. */
    static Path home() {
        String home = System.getProperty("inrank.home");
        return Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.dir"));
    }
}
