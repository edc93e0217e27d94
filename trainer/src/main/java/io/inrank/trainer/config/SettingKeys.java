package io.inrank.trainer.config;

import io.inrank.model.GptConfig;
import io.inrank.model.backend.BackendOptions;
import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.RunKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The run's settings by name: each is a CLI flag {@code --name value}, a config key {@code inrank.train.name}
 * (application.properties, {@code -D}) and an env variable {@code INRANK_TRAIN_NAME}; the flag wins, then config, then
 * the default here. One table, so --help, the README and the Kubernetes ConfigMap can't disagree on names.
 */
public final class SettingKeys {
    private SettingKeys() {}

    public record Key(String name, String defaultValue, String help) {
        public String configKey() {
            return "inrank.train." + name;
        }

        public String envName() {
            return configKey().toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
        }
    }

    public static final List<Key> KEYS = List.of(
            new Key("run", "run-1", "run id: topic keys, checkpoint folder, metric tag; the same id resumes"),
            new Key("preset", "tiny", "model shape: tiny, cpu-small, gpt2-small, gpt2-medium, gpt2-large"),
            new Key(
                    "mode",
                    "efficient-no-resize",
                    "full (dense MLP) | cumulative (the paper's InRank: frozen W_0 + a low-rank update whose rank"
                            + " grows) | efficient (factored MLP, ranks grow for stage1-steps, then resize) |"
                            + " efficient-no-resize (factored MLP, ranks grow all run) | cumulative-orthogonal"
                            + " (cumulative with an orthogonal W_0)"),
            new Key(
                    "backend",
                    "",
                    "compute backend: nd4j (CPU) | reference (plain Java, slow) | cuda ('' = env INRANK_BACKEND, else nd4j)"),
            new Key(
                    "precision",
                    "",
                    "GEMM precision: fp32 | tf32 | bf16 (cuda only: bf16 tensor-core products, float32 storage)"
                            + " ('' = env INRANK_PRECISION, else fp32)"),
            new Key("dataset", "sotu", "dataset name given to the ingest (topics inrank.tokens.<dataset>.<split>)"),
            new Key("train-split", "train", "split trained on"),
            new Key("eval-splits", "validation,test", "splits evaluated (comma list; empty = none)"),
            new Key("batch", "8", "sequences per micro-batch"),
            new Key("seq", "128", "tokens per sequence: must equal the dataset's block length"),
            new Key("accumulation", "1", "micro-batches per optimizer step (gradient accumulation)"),
            new Key("steps", "300", "optimizer steps in the run"),
            new Key("lr", "6e-4", "peak learning rate (paper: 6e-4 small, 1.5e-4 medium/large)"),
            new Key("warmup-steps", "30", "linear LR warmup steps (step 0 has lr 0, as in the paper)"),
            new Key("schedule", "linear", "decay after warmup: linear | cosine"),
            new Key("weight-decay", "0.1", "AdamW decoupled weight decay (weights only)"),
            new Key("beta1", "0.9", "AdamW beta1"),
            new Key("beta2", "0.999", "AdamW beta2 (torch default, as in the paper)"),
            new Key("clip", "1.0", "global gradient-norm clip (0 = off)"),
            new Key("dropout", "0.1", "dropout probability"),
            new Key("seed", "1113", "seed of init, data order and dropout"),
            new Key("init-rank", "2", "r0: initial rank of every InRank layer"),
            new Key("buffer", "0", "b: buffer modes trained beside r in stage 1 (0 = min(100, maxRank/4))"),
            new Key("alpha", "0.9", "explained-ratio threshold"),
            new Key("policy", "explained-variance", "rank policy of the controller: explained-variance | energy"),
            new Key("rank-warmup", "20", "no rank checks before this optimizer step (paper: 200 forward calls)"),
            new Key("rank-gap", "10", "a rank check every this many optimizer steps (paper: 25 forward calls)"),
            new Key("stage1-steps", "130", "efficient mode: optimizer steps of stage 1 before the resize"),
            new Key(
                    "fixed-ranks",
                    "",
                    "fixed-rank baseline: per-layer ranks (comma list, fc1,fc2 of each block) trained from scratch,"
                            + " never changed ('' = off; needs mode inrank or efficient)"),
            new Key(
                    "decision-timeout-ms",
                    "30000",
                    "how long a rank check waits for the controller before keeping ranks"),
            new Key(
                    "max-missed-checks",
                    "3",
                    "rank checks in a row without a decision after which the run stops with an error (exit 3) after a"
                            + " checkpoint (0 = never stop)"),
            new Key(
                    "run-key",
                    "",
                    "this run's key, 64 hex characters (./inrank run-key prints it from the controller's master):"
                            + " spectrum reports and checkpoint events are signed with it. A secret: prefer"
                            + " run-key-file or the env ('' = env INRANK_RUN_KEY, else unsigned, which a controller"
                            + " with a run-key master refuses)"),
            new Key(
                    "run-key-file",
                    "",
                    "a file holding the run key (e.g. a mounted Secret), read once at start; not with run-key"
                            + " ('' = env INRANK_RUN_KEY_FILE)"),
            new Key(
                    "announce-timeout-ms",
                    "60000",
                    "how long a checkpoint's event may wait for the broker; then the run goes on without it (the"
                            + " checkpoint is on disk) and the last one is retried at the end and on resume"),
            new Key("manifest-wait-ms", "600000", "how long to wait for the dataset's finished manifest"),
            new Key("eval-every", "100", "evaluate every this many steps (0 = only at the end)"),
            new Key("eval-batches", "0", "batches per evaluation (0 = the whole split)"),
            new Key("checkpoint-every", "100", "checkpoint every this many steps (0 = only at the end)"),
            new Key("keep-checkpoints", "3", "checkpoints kept per run (older ones are deleted)"),
            new Key("checkpoint-dir", "checkpoints", "where runs keep checkpoints and their steps.jsonl"),
            new Key("log-every", "10", "a progress line every this many steps"),
            new Key(
                    "world-size",
                    "",
                    "data-parallel replicas of this run, one GPU each; batch is the global batch, split into equal"
                            + " shards ('' = env INRANK_WORLD_SIZE, else 1; above 1 needs --backend cuda)"),
            new Key(
                    "replica",
                    "",
                    "this process's replica index, 0..world-size-1 ('' = env INRANK_RANK, else the k8s"
                            + " JOB_COMPLETION_INDEX, else 0)"),
            new Key(
                    "rendezvous-timeout-ms",
                    "300000",
                    "how long replicas wait for each other (inrank.rendezvous, then NCCL's set-up)"),
            new Key(
                    "allreduce-bucket-mb",
                    "25",
                    "data parallel: gradients are averaged in buckets of at least this many MiB (float32 sizes), each"
                            + " started while the backward goes on (0 = one all-reduce after the backward)"));

    private static final Map<String, Key> BY_NAME = new LinkedHashMap<>();

    static {
        for (Key k : KEYS) BY_NAME.put(k.name(), k);
    }

    /**
     * @param args   CLI flags ({@code --name value} or {@code --name=value})
     * @param config a config lookup by key ({@code inrank.train.*}, {@code kafka.bootstrap.servers})
     */
    public static TrainSettings resolve(String[] args, Function<String, Optional<String>> config) {
        Map<String, String> flags = parse(args);
        Function<String, String> v = name -> flags.containsKey(name)
                ? flags.get(name)
                : config.apply(BY_NAME.get(name).configKey())
                        .orElse(BY_NAME.get(name).defaultValue());
        // bootstrap and client properties (TLS, SASL, ...) from kafka.* config / KAFKA_* env; --bootstrap wins
        KafkaClientConfig kafka = KafkaClientConfig.fromConfig(config, "localhost:9092");
        if (flags.containsKey("bootstrap")) kafka = kafka.withBootstrap(flags.get("bootstrap"));
        String schedule = v.apply("schedule");
        if (!schedule.equals("linear") && !schedule.equals("cosine"))
            throw new IllegalArgumentException("--schedule: linear or cosine, got " + schedule);
        List<String> evalSplits = Arrays.stream(v.apply("eval-splits").split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
        try {
            return new TrainSettings(
                    v.apply("run"),
                    v.apply("preset"),
                    mode(v.apply("mode")),
                    v.apply("dataset"),
                    v.apply("train-split"),
                    evalSplits,
                    i(v, "batch"),
                    i(v, "seq"),
                    i(v, "accumulation"),
                    l(v, "steps"),
                    d(v, "lr"),
                    l(v, "warmup-steps"),
                    schedule.equals("cosine"),
                    d(v, "weight-decay"),
                    d(v, "beta1"),
                    d(v, "beta2"),
                    d(v, "clip"),
                    d(v, "dropout"),
                    l(v, "seed"),
                    i(v, "init-rank"),
                    i(v, "buffer"),
                    d(v, "alpha"),
                    v.apply("policy"),
                    l(v, "rank-warmup"),
                    l(v, "rank-gap"),
                    l(v, "stage1-steps"),
                    l(v, "decision-timeout-ms"),
                    l(v, "announce-timeout-ms"),
                    l(v, "manifest-wait-ms"),
                    l(v, "eval-every"),
                    i(v, "eval-batches"),
                    l(v, "checkpoint-every"),
                    i(v, "keep-checkpoints"),
                    Path.of(v.apply("checkpoint-dir")),
                    l(v, "log-every"),
                    kafka,
                    BackendOptions.parse(v.apply("backend"), v.apply("precision")),
                    ints(v, "fixed-ranks"),
                    runKey(v.apply("run"), v.apply("run-key"), v.apply("run-key-file"), System::getenv),
                    i(v, "max-missed-checks"),
                    replicas(v, System::getenv));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid setting: " + e.getMessage(), e);
        }
    }

    /** world-size and replica: the setting, else the launcher's env (INRANK_*), else k8s's completion index. */
    static Replicas replicas(Function<String, String> v, Function<String, String> env) {
        Function<String, String> or = name -> {
            String x = v.apply(name);
            return x == null || x.isBlank() ? null : x.trim();
        };
        String world = Optional.ofNullable(or.apply("world-size"))
                .or(() -> Optional.ofNullable(env.apply("INRANK_WORLD_SIZE")))
                .orElse("1");
        String replica = Optional.ofNullable(or.apply("replica"))
                .or(() -> Optional.ofNullable(env.apply("INRANK_RANK")))
                .or(() -> Optional.ofNullable(env.apply("JOB_COMPLETION_INDEX")))
                .orElse("0");
        return new Replicas(
                integer("world-size", world),
                integer("replica", replica),
                l(v, "rendezvous-timeout-ms"),
                d(v, "allreduce-bucket-mb"));
    }

    private static int integer(String name, String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + ": not an integer: " + text);
        }
    }

    /**
     * The run's signing key from {@code run-key} or the file {@code run-key-file} (read once); when neither is set, from
     * env INRANK_RUN_KEY or INRANK_RUN_KEY_FILE; null when none is. Errors never hold the key.
     */
    static RunKey runKey(String run, String hex, String file, Function<String, String> env) {
        if ((hex == null || hex.isBlank()) && (file == null || file.isBlank())) {
            hex = env.apply("INRANK_RUN_KEY");
            file = env.apply("INRANK_RUN_KEY_FILE");
        }
        boolean value = hex != null && !hex.isBlank(), inFile = file != null && !file.isBlank();
        if (value && inFile) throw new IllegalArgumentException("--run-key and --run-key-file: set one, not both");
        if (!value && !inFile) return null;
        String text = hex;
        if (inFile) {
            try {
                text = Files.readString(Path.of(file.trim()), StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("--run-key-file: cannot read " + file + ": " + e.getMessage());
            }
        }
        try {
            return RunKey.parse(run, text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    (inFile ? "--run-key-file " + file : "--run-key") + ": " + e.getMessage());
        }
    }

    public static GptConfig.Mode mode(String s) {
        try {
            return GptConfig.Mode.byLabel(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--mode: " + e.getMessage());
        }
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--"))
                throw new IllegalArgumentException("unexpected argument '" + a + "' (flags are --name value)");
            String name = a.substring(2), value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else {
                if (i + 1 >= args.length) throw new IllegalArgumentException("--" + name + " needs a value");
                value = args[++i];
            }
            if (!BY_NAME.containsKey(name) && !name.equals("bootstrap")) {
                throw new IllegalArgumentException("unknown flag --" + name);
            }
            out.put(name, value);
        }
        return out;
    }

    private static List<Integer> ints(Function<String, String> v, String name) {
        List<Integer> out = new ArrayList<>();
        for (String part : v.apply(name).split(",")) {
            if (part.isBlank()) continue;
            try {
                out.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + name + ": not a list of integers: " + v.apply(name));
            }
        }
        return out;
    }

    private static int i(Function<String, String> v, String name) {
        try {
            return Integer.parseInt(v.apply(name).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + ": not an integer: " + v.apply(name));
        }
    }

    private static long l(Function<String, String> v, String name) {
        try {
            return Long.parseLong(v.apply(name).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + ": not an integer: " + v.apply(name));
        }
    }

    private static double d(Function<String, String> v, String name) {
        try {
            return Double.parseDouble(v.apply(name).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + ": not a number: " + v.apply(name));
        }
    }

    /** Resolve and check the settings, print them as JSON, and stop (no Kafka, no training). */
    public static final String DRY_RUN = "--dry-run";

    public static String help() {
        List<String> lines = new ArrayList<>();
        lines.add(
                "usage: trainer [--name value ...]   one process = one run; a restarted run resumes from its latest checkpoint");
        lines.add("");
        for (Key k : KEYS) {
            lines.add(String.format(
                    "  --%-22s %s (default %s; env %s)",
                    k.name(), k.help(), k.defaultValue().isEmpty() ? "''" : k.defaultValue(), k.envName()));
        }
        lines.add(String.format(
                "  --%-22s %s",
                "bootstrap", "Kafka bootstrap servers (env KAFKA_BOOTSTRAP_SERVERS; default localhost:9092)"));
        lines.add(String.format(
                "  --%-22s %s", "dry-run", "check every setting, print them resolved (JSON) and stop: nothing starts"));
        return String.join("\n", lines);
    }
}
