package io.inrank.commands.bench;

import io.inrank.commands.BackendOption;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.DropoutKey;
import io.inrank.model.backend.Tensor;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code inrank bench attention}: one layer's causal attention, forward and backward, on random q, k, v; one JSON line
 * with the median times and the attention state kept between them: the log-sum-exp rows [B, H, T] against the
 * [B, H, T, T] probabilities a stored-probability design keeps (both for one layer and for {@code --layers}).
 * gpt2-small: {@code --heads 12 --seq 1024 --head-dim 64 --layers 12}.
 */
@Command(
        name = "attention",
        mixinStandardHelpOptions = true,
        description = {
            "Causal attention forward + backward median ms on random q, k, v, and the state kept between them"
                    + " (log-sum-exp rows) against the [B, H, T, T] probabilities it replaces.",
            "Prints one JSON line."
        })
public final class AttentionBench implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BackendOption backend;

    @Option(
            names = "--batch",
            paramLabel = "B",
            defaultValue = "8",
            description = "Sequences (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--heads",
            paramLabel = "H",
            defaultValue = "4",
            description = "Attention heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(
            names = "--seq",
            paramLabel = "T",
            defaultValue = "128",
            description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seq;

    @Option(
            names = "--head-dim",
            paramLabel = "D",
            defaultValue = "32",
            description = "Dimension of one head (default: ${DEFAULT-VALUE}).")
    int headDim;

    @Option(
            names = "--dropout",
            paramLabel = "P",
            defaultValue = "0.1",
            description = "Attention dropout probability, 0 <= P < 1 (default: ${DEFAULT-VALUE}).")
    double dropout;

    @Option(
            names = "--reps",
            paramLabel = "N",
            defaultValue = "20",
            description = "Timed repetitions; the median is reported (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(
            names = "--layers",
            paramLabel = "L",
            defaultValue = "2",
            description = "Layers the state totals are given for (default: ${DEFAULT-VALUE}).")
    int layers;

    @Override
    public Integer call() {
        if (batch < 1 || heads < 1 || seq < 1 || headDim < 1 || reps < 1 || layers < 1)
            throw new ParameterException(
                    spec.commandLine(), "--batch, --heads, --seq, --head-dim, --reps and --layers must be at least 1");
        if (!(dropout >= 0 && dropout < 1))
            throw new ParameterException(spec.commandLine(), "--dropout " + dropout + ": expected 0 <= P < 1");
        Backend be = backend.open();
        int c = heads * headDim, n = batch * seq;
        Random r = new Random(1);
        double[] host = new double[n * 3 * c];
        for (int i = 0; i < host.length; i++) host[i] = r.nextGaussian();
        Tensor qkv = be.zeros(DType.F32, n, 3L * c),
                y = be.zeros(DType.F32, n, c),
                lse = be.zeros(DType.F32, batch, heads, seq),
                dy = be.zeros(DType.F32, n, c),
                dqkv = be.zeros(DType.F32, n, 3L * c);
        be.fromHost(qkv, host);
        be.fromHost(dy, Arrays.copyOf(host, n * c));
        double scale = 1 / Math.sqrt(headDim);
        long[] fwd = new long[reps], bwd = new long[reps];
        for (int i = -Math.max(3, reps / 4); i < reps; i++) { // negative: JIT warm-up, not timed
            DropoutKey key = new DropoutKey(1, i, 1);
            long t0 = System.nanoTime();
            be.attentionForward(qkv, y, lse, batch, heads, scale, dropout, key);
            long t1 = System.nanoTime();
            be.attentionBackward(dy, qkv, y, lse, dqkv, batch, heads, scale, dropout, key);
            long t2 = System.nanoTime();
            if (i >= 0) {
                fwd[i] = t1 - t0;
                bwd[i] = t2 - t1;
            }
        }
        Arrays.sort(fwd);
        Arrays.sort(bwd);
        long stateBytes = 4L * batch * heads * seq, probBytes = 4L * batch * heads * seq * seq;
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
                Locale.ROOT,
                "{\"bench\":\"attention\",\"impl\":\"%s\",\"batch\":%d,\"heads\":%d,\"seq\":%d,\"head_dim\":%d,\"dropout\":%.2f,"
                        + "\"forward_ms\":%.2f,\"backward_ms\":%.2f,\"step_ms\":%.2f,\"state_bytes_per_layer\":%d,\"state_bytes\":%d,"
                        + "\"probabilities_bytes\":%d,\"layers\":%d}%n",
                be.name(),
                batch,
                heads,
                seq,
                headDim,
                dropout,
                fwd[reps / 2] / 1e6,
                bwd[reps / 2] / 1e6,
                (fwd[reps / 2] + bwd[reps / 2]) / 1e6,
                stateBytes,
                stateBytes * layers,
                probBytes * layers,
                layers);
        out.flush();
        return 0;
    }
}
