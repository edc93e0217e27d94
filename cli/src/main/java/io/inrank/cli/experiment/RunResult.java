package io.inrank.cli.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inrank.model.io.Checkpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What one finished run left: the trainer's summary (loss, perplexities, tokens/s, seconds), its per-step log split
 * into training steps (loss, ranks), evaluations ({@code "eval": "validation"|"test"}) and rank checks
 * ({@code "check": "rank"}: ranks and explained ratio per layer), and the bytes of its last checkpoint: in all, and
 * of the {@code model.safetensors} a server loads from it.
 */
record RunResult(
        Arm arm,
        int seed,
        JsonNode summary,
        List<JsonNode> steps,
        List<JsonNode> evals,
        List<JsonNode> checks,
        long checkpointBytes,
        long servedBytes) {
    static final ObjectMapper JSON = new ObjectMapper();

    static RunResult read(Arm arm, int seed, Path summary, Path runDir) {
        try {
            List<JsonNode> steps = new ArrayList<>(), evals = new ArrayList<>(), checks = new ArrayList<>();
            Path log = runDir.resolve("steps.jsonl");
            if (Files.exists(log))
                for (String line : Files.readAllLines(log)) {
                    if (!line.startsWith("{")) continue;
                    JsonNode n = JSON.readTree(line);
                    (n.has("eval") ? evals : n.has("check") ? checks : steps).add(n);
                }
            return new RunResult(
                    arm,
                    seed,
                    JSON.readTree(summary.toFile()),
                    steps,
                    evals,
                    checks,
                    orFromParameters(lastCheckpointBytes(runDir, null), summary, 3),
                    orFromParameters(lastCheckpointBytes(runDir, "model.safetensors"), summary, 1));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the results of " + arm.run(seed), e);
        }
    }

    /**
     * Measured bytes, or where the checkpoint is gone (they are not committed) float32 parameters × copies (1: the
     * model, 3: with AdamW's two moments); the files add only headers of a few KiB.
     */
    private static long orFromParameters(long measured, Path summary, int copies) throws IOException {
        if (measured > 0) return measured;
        return 4L * copies * JSON.readTree(summary.toFile()).path("parameters").asLong();
    }

    /** Bytes of the newest checkpoint: all its files, or only the one named (null = all). */
    private static long lastCheckpointBytes(Path runDir, String only) throws IOException {
        if (!Files.isDirectory(runDir)) return 0;
        Path last;
        try {
            last = Checkpoint.resolve(runDir);
        } catch (IOException e) {
            return 0; // no checkpoint left (they are not committed)
        }
        try (Stream<Path> s = Files.walk(last)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> only == null || p.getFileName().toString().equals(only))
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }

    double eval(String key) {
        return summary.path("eval").path(key).asDouble(Double.NaN);
    }

    /**
     * Training throughput of the run's final shape: tokens per second of the median step over the second half of the
     * run (after the efficient resize and the InRank plateau; a median, so a busy neighbour for a minute does not move it).
     */
    double medianTokensPerSecond(int tokensPerStep) {
        long last =
                steps.isEmpty() ? 0 : steps.get(steps.size() - 1).path("step").asLong();
        double[] ms = steps.stream()
                .filter(n -> n.path("step").asLong() > last / 2)
                .mapToDouble(n -> n.path("step_ms").asDouble())
                .sorted()
                .toArray();
        return ms.length == 0 ? Double.NaN : tokensPerStep / (ms[ms.length / 2] / 1000);
    }

    /** The ranks of the last logged step (empty for the dense arm). */
    int[] finalRanks() {
        for (int i = steps.size() - 1; i >= 0; i--) {
            JsonNode r = steps.get(i).path("ranks");
            if (r.isArray() && r.size() > 0) {
                int[] out = new int[r.size()];
                for (int j = 0; j < out.length; j++) out[j] = r.get(j).asInt();
                return out;
            }
        }
        return new int[0];
    }
}
