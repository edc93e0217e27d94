package io.inrank.trainer.config;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.inrank.model.GptConfig;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.BackendOptions;
import io.inrank.model.backend.Backends;
import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.RunKey;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything one training run is told (see {@link SettingKeys} for names, defaults and meaning). Steps are optimizer
 * steps throughout — including the InRank warmup and gap, which the official code counts in forward calls
 * (the difference is documented in trainer/README.md). {@code backend} is the resolved backend name. {@code runKey}
 * (null = unsigned) prints as {@code RunKey[run]}, never the key itself.
 */
public record TrainSettings(
        String run,
        String preset,
        GptConfig.Mode mode,
        String dataset,
        String trainSplit,
        List<String> evalSplits,
        int batch,
        int seq,
        int accumulation,
        long steps,
        double lr,
        long warmupSteps,
        boolean cosine,
        double weightDecay,
        double beta1,
        double beta2,
        double clip,
        double dropout,
        long seed,
        int initRank,
        int buffer,
        double alpha,
        String policy,
        long rankWarmup,
        long rankGap,
        long stage1Steps,
        long decisionTimeoutMs,
        long announceTimeoutMs,
        long manifestWaitMs,
        long evalEvery,
        int evalBatches,
        long checkpointEvery,
        int keepCheckpoints,
        Path checkpointDir,
        long logEvery,
        KafkaClientConfig kafka,
        BackendOptions backend,
        List<Integer> fixedRanks,
        @JsonSerialize(using = ToStringSerializer.class) RunKey runKey,
        int maxMissedChecks,
        Replicas replicas) {

    public TrainSettings {
        require(
                run != null && run.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}"),
                "run must be 1-100 of [A-Za-z0-9._-], got '" + run + "'");
        require(backend != null, "backend must be set");
        require(batch >= 1, "batch must be >= 1");
        require(seq >= 1, "seq must be >= 1");
        require(accumulation >= 1, "accumulation must be >= 1");
        require(steps >= 1, "steps must be >= 1");
        require(lr > 0, "lr must be > 0");
        require(warmupSteps >= 0, "warmup-steps must be >= 0");
        require(clip >= 0, "clip must be >= 0 (0 = off)");
        require(dropout >= 0 && dropout < 1, "dropout must be in [0, 1)");
        require(initRank >= 1, "init-rank must be >= 1");
        require(buffer >= 0, "buffer must be >= 0 (0 = the paper's 100, scaled to min(100, maxRank/4))");
        require(alpha > 0 && alpha < 1, "alpha must be in (0, 1)");
        require(rankGap >= 1, "rank-gap must be >= 1");
        require(stage1Steps >= 1, "stage1-steps must be >= 1");
        require(
                evalEvery >= 0 && checkpointEvery >= 0,
                "eval-every and checkpoint-every must be >= 0 (0 = only at the end)");
        require(keepCheckpoints >= 1, "keep-checkpoints must be >= 1");
        require(logEvery >= 1, "log-every must be >= 1");
        require(decisionTimeoutMs >= 0, "decision-timeout-ms must be >= 0");
        require(announceTimeoutMs >= 1, "announce-timeout-ms must be >= 1");
        evalSplits = List.copyOf(evalSplits);
        fixedRanks = List.copyOf(fixedRanks);
        require(
                fixedRanks.isEmpty() || mode != GptConfig.Mode.FULL,
                "fixed-ranks needs a low-rank mode (efficient, efficient-no-resize or cumulative), not full");
        require(fixedRanks.stream().allMatch(r -> r >= 1), "fixed-ranks must all be >= 1");
        require(runKey == null || runKey.run().equals(run), "the run key is another run's");
        require(maxMissedChecks >= 0, "max-missed-checks must be >= 0 (0 = never stop)");
        require(replicas != null, "replicas must be set");
        require(
                batch % replicas.worldSize() == 0,
                "batch " + batch + " (the global batch) must divide into world-size " + replicas.worldSize()
                        + " equal shards");
    }

    /** Sequences per micro-batch on this replica: the global batch's shard. */
    public int microBatch() {
        return batch / replicas.worldSize();
    }

    /** Whether reports and checkpoint events are signed (a run key is set). */
    public boolean signed() {
        return runKey != null;
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    /** The model shape: the preset, with this run's mode and dropout. */
    public GptConfig model() {
        GptConfig c = GptConfig.preset(preset, mode).withDropout(dropout);
        if (seq > c.context())
            throw new IllegalArgumentException(
                    "seq " + seq + " exceeds the context of preset " + preset + " (" + c.context() + ")");
        return c;
    }

    /**
     * The fixed-rank baseline: the factored model is built at these per-layer ranks (fc1, fc2 of each block) and trained
     * from scratch without rank checks or resize — stage 2 from the first step.
     */
    public boolean fixedRank() {
        return !fixedRanks.isEmpty();
    }

    /** b: the configured buffer, or the paper's 100 scaled down for small models: min(100, maxRank / 4). */
    public int bufferFor(GptConfig c) {
        return buffer > 0 ? buffer : Math.max(1, Math.min(100, c.maxRank() / 4));
    }

    public long tokensPerStep() {
        return (long) batch * seq * accumulation;
    }

    /** Opens the run's backend with its options (checked there, against the backend's provider). */
    public Backend openBackend() {
        return Backends.open(backend);
    }
}
