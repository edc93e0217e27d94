package io.inrank.cli.commands;

import io.inrank.commands.Commands;
import io.inrank.model.GptConfig;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.Backends;
import io.inrank.model.io.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code inrank export}: the compressed model a server loads, from a training checkpoint. A run that grows ranks to the
 * end (cumulative, efficient-no-resize) checkpoints all R_max modes of every factor so that training can go on; the
 * export keeps each layer's active modes only and no optimizer state. A cumulative model's W_0 is not in either file:
 * the server regenerates it from the seed.
 */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = {
            "The served model from a training checkpoint: each InRank layer's active modes only, no optimizer state.",
            "Serve it with `inrank serve --checkpoint OUT`."
        })
public final class ExportCommand implements Callable<Integer> {
    @Option(
            names = "--checkpoint",
            required = true,
            paramLabel = "DIR",
            description = "A step-* checkpoint, or a run directory (its newest step-*).")
    Path checkpoint;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The new checkpoint (must not exist).")
    Path out;

    @Override
    public Integer call() throws IOException {
        Path dir;
        try {
            dir = Checkpoint.resolve(checkpoint);
        } catch (IOException e) {
            throw new Commands.BadInputException(e.getMessage());
        }
        if (Files.exists(out)) throw new Commands.BadInputException(out + " exists");
        Backend be = Backends.open("nd4j");
        Checkpoint.Loaded l;
        try {
            l = Checkpoint.load(be, dir, 1, 1);
        } catch (IOException e) {
            throw new Commands.BadInputException(e.getMessage());
        }
        Checkpoint.exportInference(out, l.model(), l.state());
        GptConfig c = l.model().config();
        long before = Files.size(dir.resolve("model.safetensors")),
                after = Files.size(out.resolve("model.safetensors"));
        System.out.printf(
                "exported %s (mode %s, step %d): model.safetensors %,d B -> %,d B in %s%n",
                dir, c.mode().label(), l.state().step(), before, after, out);
        return 0;
    }
}
