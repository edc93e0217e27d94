package io.inrank.trainer.bench;

import io.inrank.model.backend.Backends;
import io.inrank.model.bench.TrainBench;
import io.inrank.trainer.config.SettingKeys;
import io.inrank.trainer.config.TrainSettings;
import io.inrank.trainer.run.TrainingRun;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code ./inrank bench trainer}: tokens/s of the service loop (Kafka data, metrics, steps.jsonl, checkpoints with
 * their events, optionally rank checks against a running controller) against the bare model bench at the same preset,
 * batch, sequence and active rank, in the same JVM. Goal: ratio ≥ 0.95. One JSON line each.
 * Options: --bootstrap HOST:PORT --dataset D [--preset tiny --batch 8 --seq 128 --steps 40 --warmup 5
 * --checkpoint-every 20 --rank-checks --rounds 2 --backend nd4j]; each arm runs in its own JVM
 */
public final class TrainerBench {
    public static void main(String[] args) throws Exception {
        String bootstrap = null, dataset = "sotu128", preset = "tiny", backend = "";
        int batch = 8, seq = 128, steps = 40, warmup = 5, ckpt = 20;
        boolean rankChecks = false;
        String arm = "both";
        int rounds = 2;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--bootstrap" -> bootstrap = args[++i];
                case "--backend" -> backend = args[++i];
                case "--dataset" -> dataset = args[++i];
                case "--preset" -> preset = args[++i];
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--seq" -> seq = Integer.parseInt(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--checkpoint-every" -> ckpt = Integer.parseInt(args[++i]);
                case "--rank-checks" -> rankChecks = true;
                case "--arm" -> arm = args[++i];
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (bootstrap == null)
            throw new IllegalArgumentException("--bootstrap is required (./inrank bench trainer starts a broker)");
        Path dir = Path.of(
                System.getProperty("java.io.tmpdir"),
                "inrank-trainer-bench-" + ProcessHandle.current().pid());
        String run = "bench-" + System.currentTimeMillis();
        TrainSettings s = SettingKeys.resolve(
                new String[] {
                    "--run",
                    run,
                    "--preset",
                    preset,
                    "--dataset",
                    dataset,
                    "--batch",
                    "" + batch,
                    "--seq",
                    "" + seq,
                    "--steps",
                    "" + (warmup + steps),
                    "--eval-splits",
                    "",
                    "--checkpoint-every",
                    "" + ckpt,
                    "--checkpoint-dir",
                    dir.toString(),
                    "--log-every",
                    "1000",
                    "--rank-warmup",
                    rankChecks ? "" + warmup : "" + (warmup + steps + 1),
                    "--rank-gap",
                    "5",
                    "--decision-timeout-ms",
                    "10000",
                    "--bootstrap",
                    bootstrap,
                    "--backend",
                    backend
                },
                k -> Optional.empty());
        int k = s.initRank() + s.bufferFor(s.model());
        if (arm.equals("both")) {
            compare(args, preset, batch, seq, steps, k, ckpt, rankChecks, rounds);
            return;
        }
        if (arm.equals("bare")) {
            System.out.println(
                    TrainBench.run(Backends.open(s.backend()), preset, "inrank", k, batch, seq, steps, warmup)
                            .json());
            return;
        }
        Files.createDirectories(dir);
        long[] clock = new long[2];
        int finalWarmup = warmup;
        try (TrainingRun r = new TrainingRun(s, new SimpleMeterRegistry())) {
            r.onStep((step, loss) -> {
                if (step == finalWarmup) clock[0] = System.nanoTime();
                clock[1] = System.nanoTime();
            });
            r.run();
        } finally {
            deleteTree(dir);
        }
        double ms = (clock[1] - clock[0]) / 1e6 / steps;
        System.out.printf(
                Locale.ROOT,
                "{\"bench\":\"trainer-service\",\"preset\":\"%s\",\"batch\":%d,\"seq\":%d,\"active_modes\":%d,"
                        + "\"checkpoint_every\":%d,\"rank_checks\":%b,\"step_ms\":%.1f,\"tokens_per_s\":%.0f}%n",
                preset,
                batch,
                seq,
                k,
                ckpt,
                rankChecks,
                ms,
                batch * seq / (ms / 1000));
    }

    /**
     * Each arm in a fresh JVM, alternating (bare, service, bare, service, …): within one JVM the second workload runs
     * on JIT code profiled by the first, which was measured to skew either arm by up to 25 %.
     */
    private static void compare(
            String[] args,
            String preset,
            int batch,
            int seq,
            int steps,
            int k,
            int ckpt,
            boolean rankChecks,
            int rounds)
            throws Exception {
        double bare = 0, service = 0;
        for (int i = 0; i < rounds; i++) {
            bare += stepMs(child(args, "bare"));
            service += stepMs(child(args, "service"));
        }
        bare /= rounds;
        service /= rounds;
        double tokens = (double) batch * seq;
        System.out.printf(
                Locale.ROOT,
                "{\"bench\":\"trainer\",\"preset\":\"%s\",\"batch\":%d,\"seq\":%d,\"steps\":%d,\"rounds\":%d,"
                        + "\"active_modes\":%d,\"checkpoint_every\":%d,\"rank_checks\":%b,\"service_step_ms\":%.1f,"
                        + "\"service_tokens_per_s\":%.0f,\"bare_step_ms\":%.1f,\"bare_tokens_per_s\":%.0f,\"ratio\":%.3f}%n",
                preset,
                batch,
                seq,
                steps,
                rounds,
                k,
                ckpt,
                rankChecks,
                service,
                tokens / (service / 1000),
                bare,
                tokens / (bare / 1000),
                bare / service);
    }

    private static String child(String[] args, String arm) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g",
                "-cp",
                System.getProperty("java.class.path"),
                TrainerBench.class.getName()));
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--arm") || args[i].equals("--rounds")) i++;
            else cmd.add(args[i]);
        }
        cmd.addAll(List.of("--arm", arm));
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException(arm + " arm failed: " + out);
        String line =
                out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow();
        System.out.println(line);
        return line;
    }

    private static double stepMs(String json) {
        var m = java.util.regex.Pattern.compile("\"step_ms\":([0-9.]+)").matcher(json);
        if (!m.find()) throw new IllegalStateException("no step_ms in " + json);
        return Double.parseDouble(m.group(1));
    }

    private static void deleteTree(Path dir) throws Exception {
        List<Path> all = new ArrayList<>();
        try (var s = Files.walk(dir)) {
            s.forEach(all::add);
        }
        all.sort((a, b) -> b.getNameCount() - a.getNameCount());
        for (Path p : all) Files.deleteIfExists(p);
    }
}
