package io.inrank.cli.launch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The replicas of one data-parallel run on this machine ({@code ./inrank train --world-size N}): N trainer processes,
 * replica i on GPU i ({@code CUDA_VISIBLE_DEVICES}; all on the one emulated device under INRANK_CUDA_EMULATION),
 * started and stopped together. When one fails, the others are stopped and the whole group starts again, resuming
 * from the run's last checkpoint — at most {@code maxRestarts} times, as the k8s Job's failure
 * policy does there. A usage error (exit 2) is not retried.
 */
public final class LocalReplicas {
    private LocalReplicas() {}

    /**
     * @param replica builds replica i's trainer process ({@code --world-size} and {@code --replica} are added here)
     * @return 0 when every replica finished, else the failing replica's exit code
     */
    public static int run(
            int worldSize,
            int maxRestarts,
            List<String> args,
            Path logs,
            Function<Integer, JavaProcess.Builder> replica)
            throws InterruptedException {
        boolean emulated = "1".equals(System.getenv("INRANK_CUDA_EMULATION"));
        for (int attempt = 0; ; attempt++) {
            List<JavaProcess> ps = new ArrayList<>();
            for (int i = 0; i < worldSize; i++) {
                List<String> a = new ArrayList<>(args);
                a.addAll(List.of("--world-size", "" + worldSize, "--replica", "" + i));
                JavaProcess.Builder b = replica.apply(i).args(a);
                if (!emulated) b.env("CUDA_VISIBLE_DEVICES", "" + i);
                ps.add(b.start(logs.resolve("replica-" + i + ".log")));
            }
            System.err.printf(
                    "inrank train: %d replicas (start %d), logs %s/replica-*.log%n", worldSize, attempt + 1, logs);
            int failed = -1, code = 0;
            while (failed < 0 && ps.stream().anyMatch(JavaProcess::isAlive)) {
                for (int i = 0; i < worldSize && failed < 0; i++) {
                    JavaProcess p = ps.get(i);
                    if (!p.isAlive() && (code = p.waitFor(Duration.ofSeconds(5))) != 0) failed = i;
                }
                if (failed < 0) Thread.sleep(200);
            }
            if (failed < 0) {
                for (JavaProcess p : ps) {
                    int c = p.waitFor(Duration.ofSeconds(30));
                    if (c != 0) return c;
                }
                System.err.printf("inrank train: all %d replicas finished%n", worldSize);
                // replica 0's summary (the JSON line a single trainer prints) as this command's output
                try (var lines = java.nio.file.Files.lines(ps.get(0).log())) {
                    lines.filter(l -> l.startsWith("{")).reduce((a, b) -> b).ifPresent(System.out::println);
                } catch (java.io.IOException | java.io.UncheckedIOException e) {
                    System.err.println("inrank train: cannot read " + ps.get(0).log() + ": " + e.getMessage());
                }
                return 0;
            }
            // one failed: the others cannot go on without it (their next collective fails); stop them now
            for (JavaProcess p : ps) p.close();
            System.err.printf(
                    "inrank train: replica %d exited with %d (log %s)%n",
                    failed, code, ps.get(failed).log());
            if (code == 2 || attempt >= maxRestarts) return code;
            System.err.printf(
                    "inrank train: restarting the group from the last checkpoint (restart %d of %d)%n",
                    attempt + 1, maxRestarts);
        }
    }
}
