package io.inrank.trainer.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The run's Prometheus metrics (all tagged {@code run}): {@code inrank_trainer_loss}, {@code _lr}, {@code _grad_norm},
 * {@code _tokens_per_second}, {@code _step} (last finished optimizer step), {@code _stage}, {@code _step_time_seconds}
 * (timer), {@code _rank{layer}}, {@code _eval_loss / _eval_ppl{split}}, {@code _decision_timeouts_total},
 * {@code _rank_decisions_total}, {@code _rank_checks_missed_consecutive} (checks in a row without a decision),
 * {@code _checkpoints_total}, {@code _checkpoints_damaged_total}; for data-parallel runs, tagged {@code replica} too:
 * {@code _world_size}, {@code _compute_seconds} (this replica's last step less what it waited for the all-reduce: the straggler
 * is the replica whose value is largest, the gap max − min is what the others waited), {@code _allreduce_time_seconds}
 * (timer: the gradient all-reduce on the device, first bucket's start to last one's end, waiting for slower replicas
 * included), {@code _allreduce_exposed_seconds} (timer: the part of it after this replica's backward, which the
 * overlap did not hide), {@code _allreduce_buckets} (all-reduce calls per step) and {@code _allreduce_bytes_total}
 * (gradients sent, inactive modes left out). Values are plain
 * fields read at scrape time: recording costs a store, never an allocation in the step loop.
 */
public final class TrainMetrics {
    private final MeterRegistry registry;
    private final Tags tags;
    private final double[] values = new double[6]; // loss, lr, grad norm, tokens/s, step, stage
    private final Timer stepTime;
    private final Counter timeouts, decisions, checkpoints, damaged, dropped, reportsDropped, unannounced;
    private final Timer rankCheck;
    private final Map<String, AtomicReference<Double>> perKey = new ConcurrentHashMap<>();
    private final AtomicInteger missedInARow = new AtomicInteger();
    private final double[] replicaValues = new double[3]; // world size, compute seconds, buckets of the last step
    private Timer allReduce, allReduceExposed;
    private Counter allReduceBytes;

    /** @param mode the run's mode as users name it (full, cumulative, efficient, efficient-no-resize): a label */
    public TrainMetrics(MeterRegistry registry, String run, String mode) {
        this(registry, run, mode, 0, 1);
    }

    /** For replica {@code replica} of {@code worldSize} (1: a run without replicas). */
    public TrainMetrics(MeterRegistry registry, String run, String mode, int replica, int worldSize) {
        this.registry = registry;
        this.tags = Tags.of("run", run, "mode", mode);
        String[] names = {"loss", "lr", "grad.norm", "tokens.per.second", "step", "stage"};
        for (int i = 0; i < names.length; i++) {
            int k = i;
            registry.gauge("inrank.trainer." + names[i], tags, values, v -> v[k]);
        }
        stepTime = Timer.builder("inrank.trainer.step.time")
                .tags(tags)
                .publishPercentileHistogram()
                .description("optimizer step time")
                .register(registry);
        timeouts = Counter.builder("inrank.trainer.decision.timeouts")
                .tags(tags)
                .description("rank checks the controller did not answer in time")
                .register(registry);
        decisions = Counter.builder("inrank.trainer.rank.decisions")
                .tags(tags)
                .description("rank decisions applied")
                .register(registry);
        reportsDropped = Counter.builder("inrank.trainer.reports.dropped")
                .tags(tags)
                .description("spectrum reports the broker did not take within the decision timeout (dropped)")
                .register(registry);
        Gauge.builder("inrank.trainer.rank.checks.missed.consecutive", missedInARow, AtomicInteger::get)
                .tags(tags)
                .description("rank checks in a row without a decision (0 after an answered one); the run stops at"
                        + " max-missed-checks")
                .register(registry);
        rankCheck = Timer.builder("inrank.trainer.rank.check.time")
                .tags(tags)
                .description("a rank check from report to applied decision (bounded by decision-timeout-ms)")
                .register(registry);
        checkpoints = Counter.builder("inrank.trainer.checkpoints").tags(tags).register(registry);
        unannounced = Counter.builder("inrank.trainer.checkpoints.unannounced")
                .tags(tags)
                .description("checkpoints written whose event the broker did not take within announce-timeout-ms")
                .register(registry);
        damaged = Counter.builder("inrank.trainer.checkpoints.damaged")
                .tags(tags)
                .description("checkpoints that failed verification on resume")
                .register(registry);
        dropped = Counter.builder("inrank.trainer.decisions.rejected")
                .tags(tags)
                .description("decisions refused as unusable")
                .register(registry);
        // registered for every run (zero without replicas), so a dashboard's queries always find them
        Tags replicaTags = tags.and("replica", String.valueOf(replica));
        replicaValues[0] = worldSize;
        registry.gauge("inrank.trainer.world.size", replicaTags, replicaValues, v -> v[0]);
        registry.gauge("inrank.trainer.compute.seconds", replicaTags, replicaValues, v -> v[1]);
        registry.gauge("inrank.trainer.allreduce.buckets", replicaTags, replicaValues, v -> v[2]);
        allReduce = Timer.builder("inrank.trainer.allreduce.time")
                .tags(replicaTags)
                .publishPercentileHistogram()
                .description("gradient all-reduce on the device, waiting for slower replicas included")
                .register(registry);
        allReduceExposed = Timer.builder("inrank.trainer.allreduce.exposed")
                .tags(replicaTags)
                .publishPercentileHistogram()
                .description("gradient all-reduce time after this replica's backward: what the overlap did not hide")
                .register(registry);
        allReduceBytes = Counter.builder("inrank.trainer.allreduce.bytes")
                .tags(replicaTags)
                .description("bytes this replica all-reduced")
                .register(registry);
    }

    /** A data-parallel step: this replica's compute, and its all-reduce (time, exposed time, bytes). */
    public void replicaStep(
            double computeSeconds, double allReduceSeconds, double exposedSeconds, long bytes, int buckets) {
        replicaValues[1] = computeSeconds;
        replicaValues[2] = buckets;
        allReduce.record((long) (allReduceSeconds * 1e9), TimeUnit.NANOSECONDS);
        allReduceExposed.record((long) (exposedSeconds * 1e9), TimeUnit.NANOSECONDS);
        allReduceBytes.increment(bytes);
    }

    public void step(long step, double loss, double lr, double gradNorm, double tokensPerSecond, long nanos) {
        values[0] = loss;
        values[1] = lr;
        values[2] = gradNorm;
        values[3] = tokensPerSecond;
        values[4] = step;
        stepTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void stage(int stage) {
        values[5] = stage;
    }

    public void rank(String layer, int rank) {
        keyed("inrank.trainer.rank", Tags.of("layer", layer)).set((double) rank);
    }

    public void eval(String split, double loss, double ppl, double meanBatchPpl) {
        keyed("inrank.trainer.eval.loss", Tags.of("split", split)).set(loss);
        keyed("inrank.trainer.eval.ppl", Tags.of("split", split, "kind", "corpus"))
                .set(ppl);
        keyed("inrank.trainer.eval.ppl", Tags.of("split", split, "kind", "mean_batch"))
                .set(meanBatchPpl);
    }

    private AtomicReference<Double> keyed(String name, Tags extra) {
        return perKey.computeIfAbsent(name + extra, k -> {
            AtomicReference<Double> ref = new AtomicReference<>(0.0);
            registry.gauge(name, tags.and(extra), ref, r -> r.get());
            return ref;
        });
    }

    public void decisionTimeout() {
        timeouts.increment();
    }

    /** Rank checks missed in a row now (every miss is also counted by {@code decision.timeouts}). */
    public void missedInARow(int n) {
        missedInARow.set(n);
    }

    /** The run's dead-lettered rank decisions, read from their counter. */
    public <T> void deadLetters(T source, java.util.function.ToDoubleFunction<T> count) {
        io.micrometer.core.instrument.FunctionCounter.builder("inrank.trainer.dead.letters", source, count)
                .tags(tags)
                .description("records of this run on inrank.rank-decisions that could not be read (dead-lettered)")
                .register(registry);
    }

    public void checkpointUnannounced() {
        unannounced.increment();
    }

    public void reportDropped() {
        reportsDropped.increment();
    }

    public void rankCheck(long nanos) {
        rankCheck.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void decisionApplied() {
        decisions.increment();
    }

    public void decisionRejected() {
        dropped.increment();
    }

    public void checkpoint() {
        checkpoints.increment();
    }

    public void damagedCheckpoints(int n) {
        damaged.increment(n);
    }

    public double decisionTimeouts() {
        return timeouts.count();
    }
}
