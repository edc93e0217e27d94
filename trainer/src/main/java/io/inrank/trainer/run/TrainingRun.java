package io.inrank.trainer.run;

import io.inrank.model.AdamW;
import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.GradientsReady;
import io.inrank.model.LrSchedule;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.Precision;
import io.inrank.model.backend.ReplicaGroup;
import io.inrank.model.backend.Tensor;
import io.inrank.model.inrank.Stage2Resize;
import io.inrank.model.io.Checkpoint;
import io.inrank.protocol.CheckpointEvent;
import io.inrank.protocol.RankDecision;
import io.inrank.protocol.Topics;
import io.inrank.trainer.checkpoint.CheckpointStore;
import io.inrank.trainer.config.TrainSettings;
import io.inrank.trainer.data.Batches;
import io.inrank.trainer.data.BlockStore;
import io.inrank.trainer.eval.Evaluator;
import io.inrank.trainer.kafka.TrainerKafka;
import io.inrank.trainer.metrics.TrainMetrics;
import io.inrank.trainer.rank.RankChannel;
import io.inrank.trainer.rank.Ranks;
import io.inrank.trainer.replicas.GradientBuckets;
import io.inrank.trainer.replicas.Rendezvous;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * One training run: per optimizer step t (1-based) — micro-batches forward/backward, clip, AdamW at lr(t−1) — then,
 * in this order: the rank check (stage 1, t > rank-warmup, t % rank-gap == 0: report spectra, wait for the decision
 * of (run, t), apply it before step t+1), the efficient resize (t == stage1-steps), evaluation, checkpoint. Dropout
 * masks are keyed by (seed, micro-step) and the data position is in every checkpoint, so a resumed run repeats an
 * uninterrupted one's losses exactly — on any backend.
 */
public final class TrainingRun implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TrainingRun.class);

    private final TrainSettings s;
    private final Backend be;
    private final TrainMetrics metrics;
    private final TrainerKafka kafka;
    private final CheckpointStore checkpoints;
    private final Map<String, BlockStore> evalSets;
    private final Batches batches;
    private final LrSchedule schedule;
    private final StepLog log;
    private final RankChannel decisions; // replica 0 only (null for a dense run)
    private final ReplicaGroup replicas; // null: one replica
    private final GradientBuckets buckets; // the gradient all-reduce, overlapped with the backward (null: one replica)
    private final boolean leader; // replica 0: reports spectra, evaluates, writes checkpoints, events and steps.jsonl
    private final Tensor shared; // [loss, stop, decided, ranks...]: what the replicas agree on each step
    private final int[] ids, targets;
    private GptModel model;
    private AdamW opt;
    private Ranks ranks; // null for a dense run
    private int stage = 1;
    private long step;
    private long timeouts;
    private int missedInARow; // rank checks in a row without a decision (this process)
    private String missedChecksFailure; // set when max-missed-checks is reached: the run stops after a checkpoint
    private long reportsDropped; // this process only: a resumed run starts again at 0
    /** The newest checkpoint on disk whose event the broker did not take (written by the checkpoint thread). */
    private volatile CheckpointEvent unannounced;

    private final long resumedFrom;
    private Map<String, Double> lastEval = Map.of();
    private volatile RunStatus status;
    private volatile boolean stopRequested;
    private StepListener listener = (step, loss) -> {};

    /** Called after every optimizer step (tests collect losses, the bench takes its clock). */
    public interface StepListener {
        void stepDone(long step, double loss);
    }

    public TrainingRun(TrainSettings s, MeterRegistry registry) {
        this.s = s;
        this.be = s.openBackend(); // first: a backend that cannot run here fails before any I/O
        this.metrics = new TrainMetrics(
                registry,
                s.run(),
                s.mode().label(),
                s.replicas().replica(),
                s.replicas().worldSize());
        this.leader = s.replicas().leader();
        GptConfig cfg = s.model();
        if (s.replicas().many() && !be.collectives())
            throw new IllegalArgumentException("world-size " + s.replicas().worldSize() + ": " + be.name()
                    + " has no collectives; data parallelism needs --backend cuda (NCCL)");
        Duration wait = Duration.ofMillis(s.manifestWaitMs());
        BlockStore train = BlockStore.load(s.kafka(), s.dataset(), s.trainSplit(), wait);
        requireBlockLength(train, s.seq());
        if (train.manifest().vocabSize() > cfg.vocab()) {
            throw new IllegalArgumentException(train.manifest().key() + " uses a vocabulary of "
                    + train.manifest().vocabSize() + ", the model " + cfg.vocab());
        }
        evalSets = new LinkedHashMap<>();
        for (String split : s.evalSplits()) {
            BlockStore e = BlockStore.load(s.kafka(), s.dataset(), split, wait);
            requireBlockLength(e, s.seq());
            evalSets.put(split, e);
        }
        batches = new Batches(
                train, s.batch(), s.seed(), s.replicas().replica(), s.replicas().worldSize());
        schedule = new LrSchedule(s.lr(), s.warmupSteps(), s.steps(), s.cosine());
        ids = new int[s.microBatch() * s.seq()];
        targets = new int[s.microBatch() * s.seq()];
        kafka = new TrainerKafka(
                s.kafka(),
                Duration.ofMillis(s.decisionTimeoutMs()),
                Duration.ofMillis(s.announceTimeoutMs()),
                s.runKey());
        checkpoints = new CheckpointStore(s.checkpointDir(), s.run(), s.keepCheckpoints());
        // the replicas meet before any of them loads or builds a model: each then reads the same checkpoint
        replicas = s.replicas().many() ? Rendezvous.join(be, s.kafka(), s.run(), s.replicas()) : null;
        buckets = replicas == null
                ? null
                : new GradientBuckets(replicas, s.replicas().bucketBytes());
        shared = be.zeros(DType.F32, 3 + 2L * cfg.layers());
        sharedHost = new double[(int) shared.length()];

        Optional<Checkpoint.Loaded> resumed = checkpoints.latestValid(
                be, s.microBatch(), s.seq(), l -> ResumePoint.of(l.state().extra(), cfg.lowRank(), l.model()));
        metrics.damagedCheckpoints(checkpoints.damaged());
        if (resumed.isPresent()) {
            restore(resumed.get(), cfg);
        } else if (s.fixedRank()) {
            int[] r = Ranks.fixed(cfg, s.fixedRanks());
            model = new GptModel(be, cfg, s.microBatch(), s.seq(), DType.F32, s.seed(), r);
            opt = new AdamW(model.params(), s.beta1(), s.beta2(), 1e-8, s.weightDecay());
            ranks = new Ranks(r, 0, cfg.maxRank());
            stage = 2; // no buffer, no rank checks, no resize: the ranks are the model's shape from step 1
            ranks.applyTo(model, stage);
        } else {
            model = new GptModel(be, cfg, s.microBatch(), s.seq(), DType.F32, s.seed(), null);
            opt = new AdamW(model.params(), s.beta1(), s.beta2(), 1e-8, s.weightDecay());
            if (cfg.lowRank()) {
                ranks = Ranks.initial(cfg, model.inRankLayers(), s.initRank(), s.bufferFor(cfg));
                ranks.applyTo(model, 1);
            }
        }
        resumedFrom = step;
        if (replicas != null) agreeOnTheStart();
        if (!s.signed())
            LOG.warnf(
                    "run %s: no run key (run-key / run-key-file): spectrum reports and checkpoint events go unsigned,"
                            + " and a rank-controller with a run-key master refuses them",
                    s.run());
        else LOG.infof("run %s: reports and checkpoint events are signed with the run key", s.run());
        decisions = ranks != null && leader ? new RankChannel(s.kafka(), s.run(), kafka.producer()) : null;
        if (decisions != null) metrics.deadLetters(decisions, RankChannel::deadLettered);
        log = leader ? new StepLog(checkpoints.runDir().resolve("steps.jsonl"), s, step) : null;
        metrics.stage(stage);
        publishRanks();
        status = RunStatus.of(s, step, stage, Double.NaN, ranks, lastEval, "starting");
    }

    private static void requireBlockLength(BlockStore b, int seq) {
        if (b.width() != seq + 1) {
            throw new IllegalArgumentException(
                    b.manifest().key() + " has blocks of " + (b.width() - 1) + " tokens but --seq is " + seq
                            + ": ingest with --block-length " + seq + " (or train with --seq " + (b.width() - 1) + ")");
        }
    }

    private void restore(Checkpoint.Loaded l, GptConfig cfg) {
        Map<String, Object> x = l.state().extra();
        RunIdentity.check(s, x, checkpoints.runDir());
        model = l.model();
        if (!model.config().equals(cfg))
            throw new IllegalStateException(
                    "checkpoint model " + model.config() + " differs from the settings' " + cfg);
        opt = new AdamW(model.params(), s.beta1(), s.beta2(), 1e-8, s.weightDecay());
        // l comes from CheckpointStore.latestValid (Checkpoint.loadForTraining): its optimizer is never null
        be.copy(l.optimizer().firstMoment(), opt.firstMoment());
        be.copy(l.optimizer().secondMoment(), opt.secondMoment());
        opt.setStepCount(l.optimizer().stepCount());
        step = l.state().step();
        stage = l.state().stage();
        ResumePoint at = ResumePoint.of(x, cfg.lowRank(), model); // checked by latestValid: cannot fail here
        timeouts = at.decisionTimeouts();
        batches.seek(new Batches.Position(at.epoch(), at.index()));
        if (cfg.lowRank()) {
            ranks = new Ranks(at.ranks(), at.buffer(), cfg.maxRank());
            ranks.applyTo(model, stage);
        }
        LOG.infof(
                "run %s resumed from step %d (stage %d, epoch %d, ranks %s)%s",
                s.run(),
                step,
                stage,
                at.epoch(),
                ranks == null ? "dense" : ranks.summary(),
                checkpoints.skipped().isEmpty() ? "" : "; skipped the newer " + checkpoints.skipped());
    }

    /** What the run has done, for the caller and the bench. */
    public record Summary(
            long steps,
            long resumedFrom,
            double lastLoss,
            double seconds,
            double trainSeconds,
            long tokens,
            long decisionTimeouts,
            long reportsDropped,
            long deadLetters,
            Map<String, Double> eval,
            long parameters) {
        public double tokensPerSecond() {
            return tokens / seconds;
        }
    }

    public Summary run() {
        long startNanos = System.nanoTime(), trainNanos = 0, tokens = 0;
        double loss = Double.NaN;
        LOG.infof(
                "run %s: %s %s, %,d parameters, batch %d x %d x accumulation %d, steps %d (from %d), lr %.2e, dataset %s, backend %s",
                s.run(),
                s.preset(),
                s.mode().name().toLowerCase(),
                model.params().count(),
                s.batch(),
                s.seq(),
                s.accumulation(),
                s.steps(),
                step,
                s.lr(),
                s.dataset(),
                be.name());
        if (leader && resumedFrom > 0 && step >= s.steps()) {
            // resumed complete: its last event may be the one an outage kept from the broker; consumers ignore a repeat
            try {
                announce(eventNow().apply(checkpoints.saved(step)));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        while (step < s.steps()) {
            long t0 = System.nanoTime();
            double lr = schedule.at(step);
            loss = trainStep(lr);
            long dt = System.nanoTime() - t0;
            trainNanos += dt;
            tokens += s.tokensPerStep();
            step++;
            double gradNorm = lastGradNorm;
            metrics.step(step, loss, lr, gradNorm, s.tokensPerStep() / (dt / 1e9), dt);
            if (log != null) log.step(step, loss, lr, gradNorm, dt, ranks, stage);
            status = RunStatus.of(s, step, stage, loss, ranks, lastEval, "training");
            listener.stepDone(step, loss);

            if (ranks != null && stage == 1 && step > s.rankWarmup() && step % s.rankGap() == 0) {
                if (leader) rankCheck();
                if (replicas != null) shareRanks();
            }
            if (s.mode() == GptConfig.Mode.INRANK_EFFICIENT && stage == 1 && step == s.stage1Steps()) resize();
            boolean last = step == s.steps();
            if (leader && !evalSets.isEmpty() && (last || (s.evalEvery() > 0 && step % s.evalEvery() == 0))) evaluate();
            boolean stop = stopRequested || missedChecksFailure != null || stopAgreed;
            if (leader && (last || stop || (s.checkpointEvery() > 0 && step % s.checkpointEvery() == 0))) {
                checkpoint();
            }
            if (stop) {
                LOG.infof(
                        "run %s stopped at step %d %s (checkpoint written; a restart resumes here)",
                        s.run(), step, stopRequested ? "on request" : "after " + missedInARow + " missed rank checks");
                break;
            }
        }
        checkpoints.awaitPending(); // the run is done when its last checkpoint is on disk and announced
        if (unannounced != null) announce(unannounced);
        if (missedChecksFailure != null) throw new RankChecksMissedException(missedChecksFailure);
        if (unannounced != null)
            throw new UnannouncedCheckpointException("the checkpoint of step " + unannounced.step() + " is on disk but "
                    + Topics.CHECKPOINTS + " did not take its event; run again to resume and announce it");
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        status = RunStatus.of(s, step, stage, loss, ranks, lastEval, "done");
        LOG.infof(
                "run %s done: step %d, loss %.4f, %.1f s (%.0f tokens/s), %d decision timeouts",
                s.run(), step, loss, seconds, tokens / Math.max(seconds, 1e-9), timeouts);
        return new Summary(
                step,
                resumedFrom,
                loss,
                seconds,
                trainNanos / 1e9,
                tokens,
                timeouts,
                reportsDropped,
                decisions == null ? 0 : decisions.deadLettered(),
                lastEval,
                model.params().count());
    }

    private double lastGradNorm;

    private double trainStep(double lr) {
        long t0 = System.nanoTime();
        model.params().zeroGrad();
        double loss = 0;
        for (int a = 0; a < s.accumulation(); a++) {
            // masks keyed by (seed, micro-step) and the global element: a resumed run, and a run on any number of
            // replicas, draws the same
            model.setDropoutStep(
                    step * s.accumulation() + a, (long) s.replicas().replica() * s.microBatch());
            batches.next(ids, targets);
            loss += model.forward(ids, targets, true);
            // the gradients of equal shards, averaged: the gradient of the global batch (then clip and AdamW agree);
            // on the last micro-batch each bucket starts as soon as the backward has finished it
            boolean last = a == s.accumulation() - 1;
            model.backward(
                    1.0 / s.accumulation(),
                    buckets != null && last ? buckets.begin(model.params().grads()) : GradientsReady.NONE);
        }
        loss /= s.accumulation();
        if (replicas != null) {
            buckets.finish(); // the optimizer's kernels wait for every bucket
            loss = agreeOnLossAndStop(loss);
        }
        lastGradNorm = AdamW.clipGradNorm(model.params(), s.clip() > 0 ? s.clip() : Double.MAX_VALUE);
        opt.step(lr);
        if (replicas != null) replicaMetrics(t0); // after the optimizer is issued: its order comes from the streams
        return loss;
    }

    /**
     * The step's all-reduce, timed by the device's events. Read once the optimizer has been issued, so that nothing
     * here (the events' synchronize) orders the optimizer after the reduction: only the streams' wait does, and the
     * data-parallel test, holding the reduction stream back, sees it if it is missing.
     */
    private void replicaMetrics(long t0) {
        double reduce = replicas.gradientSeconds(), exposed = replicas.exposedGradientSeconds();
        int wire = s.backend().precision() == Precision.BF16 ? 2 : 4; // bytes per gradient on the wire
        metrics.replicaStep( // compute: the step's time but what it waited for the reduction after its backward
                (System.nanoTime() - t0) / 1e9 - exposed,
                reduce,
                exposed,
                wire * buckets.stepElements() + 4 * shared.length(),
                buckets.stepBuckets());
        if (buckets.stepBuckets() != loggedBuckets) {
            loggedBuckets = buckets.stepBuckets();
            LOG.infof(
                    "replica %d: gradients averaged in %d buckets, overlapping the backward (%,d of %,d parameters;"
                            + " inactive modes left out)",
                    s.replicas().replica(),
                    loggedBuckets,
                    buckets.stepElements(),
                    model.params().count());
        }
    }

    private int loggedBuckets;
    private boolean stopAgreed; // a replica was asked to stop (SIGTERM): all stop after this step, with a checkpoint
    private double[] sharedHost = new double[0];

    /** The global batch's loss (the average of the shards' means) and whether any replica was asked to stop. */
    private double agreeOnLossAndStop(double loss) {
        double[] v = sharedHost; // every step: no allocation
        java.util.Arrays.fill(v, 0);
        v[0] = loss;
        v[1] = stopRequested ? 1 : 0;
        be.fromHost(shared, v);
        replicas.allReduceAverage(shared);
        be.toHost(shared, v);
        replicas.check(); // a replica lost meanwhile leaves these values undefined
        stopAgreed = v[1] > 0;
        return v[0];
    }

    /**
     * Every replica started from the same point: replica 0's step and stage reach the others, which must have loaded
     * the same checkpoint (the shared checkpoint directory) or none.
     */
    private void agreeOnTheStart() {
        double[] v = new double[(int) shared.length()];
        v[0] = step;
        v[1] = stage;
        be.fromHost(shared, v);
        replicas.broadcast(shared, 0);
        be.toHost(shared, v);
        replicas.check(); // a replica lost meanwhile leaves these values undefined
        if ((long) v[0] != step || (int) v[1] != stage)
            throw new IllegalStateException("replica " + s.replicas().replica() + " starts at step " + step + " (stage "
                    + stage + ") but replica 0 at step " + (long) v[0] + " (stage " + (int) v[1]
                    + "): the replicas must share one checkpoint directory");
    }

    /**
     * Replica 0's rank outcome of this check (changed or not) to every replica, applied by all at the same step, and
     * whether replica 0 stops after it (max-missed-checks).
     */
    private void shareRanks() {
        double[] v = new double[(int) shared.length()];
        int[] r = ranks.ranks();
        for (int i = 0; i < r.length; i++) v[3 + i] = r[i];
        v[2] = missedChecksFailure != null ? 1 : 0; // replica 0 stops after this step: so do the others
        be.fromHost(shared, v);
        replicas.broadcast(shared, 0);
        be.toHost(shared, v);
        replicas.check(); // a replica lost meanwhile leaves these values undefined
        if (v[2] > 0) stopAgreed = true;
        int[] agreed = new int[r.length];
        for (int i = 0; i < r.length; i++) agreed[i] = (int) v[3 + i];
        if (!java.util.Arrays.equals(agreed, r)) {
            ranks = new Ranks(agreed, ranks.buffer(), model.config().maxRank());
            ranks.applyTo(model, stage);
            publishRanks();
        }
    }

    /**
     * Report the spectra, wait for the decision, apply it — all within decision-timeout-ms, send included: a broker
     * outage costs each check at most that long. A report the broker did not take in time is dropped (counted, logged)
     * and never sent later; the ranks stay as they are until a later check gets through.
     */
    private void rankCheck() {
        long t0 = System.nanoTime(),
                deadline = t0 + Duration.ofMillis(s.decisionTimeoutMs()).toNanos();
        Optional<String> unsent = kafka.send(ranks.report(s.run(), step, model, s.policy(), s.alpha()), deadline);
        Optional<RankDecision> d = unsent.isPresent()
                ? Optional.empty()
                : decisions.await(step, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        metrics.rankCheck(System.nanoTime() - t0);
        if (d.isEmpty()) {
            timeouts++;
            // a report the broker did not take says nothing about the controller: a Kafka outage is survived by design
            // (the run checkpoints on, and checks resume when the broker is back), so only checks whose report was
            // delivered and never answered count towards max-missed-checks (refused, wrong key, controller down)
            if (unsent.isEmpty()) missedInARow++;
            metrics.decisionTimeout();
            metrics.missedInARow(missedInARow);
            if (unsent.isPresent()) {
                reportsDropped++;
                metrics.reportDropped();
            }
            LOG.warnf(
                    "step %d: rank check gave up after %d ms (limit %d ms): %s; keeping ranks %s (%d timeouts, %d reports dropped so far)",
                    step,
                    (System.nanoTime() - t0) / 1_000_000,
                    s.decisionTimeoutMs(),
                    unsent.map(m -> "spectrum report dropped, " + m).orElse("no decision from the rank-controller"),
                    ranks.summary(),
                    timeouts,
                    reportsDropped);
            // one miss is a transient (the warning above); more in a row are an error, and at the limit the end
            if (unsent.isEmpty()
                    && (missedInARow >= 2 || missedInARow >= s.maxMissedChecks() && s.maxMissedChecks() > 0))
                missedChecks();
            return;
        }
        missedInARow = 0; // answered (even a decision refused below): the controller is there
        metrics.missedInARow(0);
        try {
            List<Ranks.Change> changes = ranks.apply(d.get());
            ranks.applyTo(model, stage);
            if (log != null) log.check(step, ranks, ranks.ratios(d.get()));
            metrics.decisionApplied();
            publishRanks();
            if (!changes.isEmpty()) {
                LOG.infof(
                        "step %d: rank decision (%d ms), ranks from step %d on: %s",
                        step, (System.nanoTime() - t0) / 1_000_000, step + 1, RunStatus.describe(changes));
            }
        } catch (IllegalArgumentException e) {
            metrics.decisionRejected();
            LOG.errorf("step %d: rank decision refused, ranks kept: %s", step, e.getMessage());
        }
    }

    /**
     * Rank checks missed in a row: the ranks are frozen and the run would go on unnoticed. An error naming the likely
     * causes; at {@code max-missed-checks} the run stops after this step's checkpoint.
     */
    private void missedChecks() {
        String causes = "the rank-controller is down or behind; it refused the reports (see " + Topics.DEAD_LETTER
                + ", consumer rank-controller, key " + s.run() + ", header dlq.reason); "
                + (s.signed()
                        ? "the run key (run-key / run-key-file) is not this run's"
                        : "the reports are unsigned (no run-key) and the controller has a run-key master");
        if (decisions.lateStep() >= 0)
            causes += "; the decision of step " + decisions.lateStep()
                    + " came after its check gave up: the controller is slow for decision-timeout-ms "
                    + s.decisionTimeoutMs();
        String what = missedInARow + " rank checks in a row got no decision (the last at step " + step
                + "); ranks stay at " + ranks.summary() + ". Likely causes: " + causes;
        if (s.maxMissedChecks() > 0 && missedInARow >= s.maxMissedChecks()) {
            missedChecksFailure = what + ". The run stops at max-missed-checks " + s.maxMissedChecks()
                    + " (0 = never); a restart resumes from this step's checkpoint";
            LOG.errorf("step %d: %s", step, missedChecksFailure);
        } else {
            LOG.errorf(
                    "step %d: %s%s",
                    step,
                    what,
                    s.maxMissedChecks() > 0
                            ? " (the run stops after " + s.maxMissedChecks() + " in a row: max-missed-checks)"
                            : "");
        }
    }

    private void resize() {
        long before = model.params().count();
        Stage2Resize.Resized r = Stage2Resize.resize(model, opt, ranks.ranks(), s.seed());
        model = r.model();
        opt = r.optimizer();
        stage = 2;
        ranks.applyTo(model, stage);
        if (replicas != null) {
            // the resize is deterministic, so the replicas already agree; replica 0's result makes it certain
            replicas.broadcast(model.params().values(), 0);
            replicas.broadcast(opt.firstMoment(), 0);
            replicas.broadcast(opt.secondMoment(), 0);
            be.toHost(shared, sharedHost); // waits for the broadcasts: nothing is checkpointed from an aborted one
            replicas.check();
        }
        metrics.stage(stage);
        LOG.infof(
                "step %d: end of stage 1: resized to ranks %s (buffer dropped), parameters %,d -> %,d; ranks are fixed from now on",
                step, ranks.summary(), before, model.params().count());
    }

    private void evaluate() {
        Map<String, Double> e = new LinkedHashMap<>();
        for (Map.Entry<String, BlockStore> set : evalSets.entrySet()) {
            Evaluator.Result r = Evaluator.evaluate(model, set.getValue(), s.evalBatches());
            metrics.eval(r.split(), r.loss(), r.ppl(), r.meanBatchPpl());
            e.put(r.split() + "_loss", r.loss());
            e.put(r.split() + "_ppl", r.ppl());
            e.put(r.split() + "_mean_batch_ppl", r.meanBatchPpl());
            LOG.infof(
                    "step %d: eval %s: loss %.4f, ppl %.2f (mean of batch ppl %.2f) on %d of %d blocks",
                    step, r.split(), r.loss(), r.ppl(), r.meanBatchPpl(), r.blocks(), r.total());
            if (log != null) log.eval(step, r);
        }
        e.put("eval_step", (double) step);
        lastEval = Map.copyOf(e);
    }

    private void checkpoint() {
        Map<String, Object> extra = RunIdentity.of(s);
        Batches.Position p = batches.position();
        extra.put("epoch", p.epoch());
        extra.put("index", p.index());
        extra.put("decisionTimeouts", timeouts);
        if (ranks != null) {
            extra.put("ranks", ranks.ranks());
            extra.put("buffer", ranks.buffer());
        }
        var event = eventNow();
        long at = step;
        checkpoints.saveAsync(step, model, opt, new Checkpoint.State(step, stage, s.seed(), extra), saved -> {
            metrics.checkpoint();
            LOG.infof(
                    "step %d: checkpoint %s (sha256 %s…)",
                    at, saved.dir(), saved.sha256().substring(0, 12));
            announce(event.apply(saved));
        });
    }

    /** The event of the checkpoint of the current step, built once it is written; step, stage, ranks, eval are now's. */
    private Function<CheckpointStore.Saved, CheckpointEvent> eventNow() {
        Map<String, Integer> r = new LinkedHashMap<>();
        for (int i = 0; ranks != null && i < model.inRankLayers(); i++) r.put(GptModel.inRankName(i), ranks.rank(i));
        long at = step;
        int st = stage;
        Map<String, Double> eval = lastEval;
        return saved -> new CheckpointEvent(
                CheckpointEvent.VERSION,
                s.run(),
                at,
                saved.dir().toUri().toString(),
                saved.sha256(),
                st,
                s.preset(),
                modeName(s.mode()),
                r,
                eval,
                Instant.now().toString());
    }

    /**
     * Publishes a checkpoint's event, waiting at most announce-timeout-ms. A broker outage does not stop the run: the
     * checkpoint is on disk, the next checkpoint's event supersedes this one, and the last one is retried at the end of
     * the run (and on resume).
     */
    private void announce(CheckpointEvent e) {
        Optional<String> failure = kafka.send(e, Duration.ofMillis(s.announceTimeoutMs()));
        if (failure.isEmpty()) {
            unannounced = null;
            return;
        }
        unannounced = e;
        metrics.checkpointUnannounced();
        LOG.errorf(
                "step %d: checkpoint written but its event not announced on %s: %s (the run goes on; inference keeps"
                        + " its model until a later event gets through)",
                e.step(), Topics.CHECKPOINTS, failure.get());
    }

    public static String modeName(GptConfig.Mode m) {
        return m.label();
    }

    private void publishRanks() {
        for (int i = 0; ranks != null && i < model.inRankLayers(); i++)
            metrics.rank(GptModel.inRankName(i), ranks.rank(i));
    }

    public void onStep(StepListener l) {
        listener = l;
    }

    /** Ends the run after the current step, with a checkpoint (SIGTERM). */
    public void requestStop() {
        stopRequested = true;
    }

    public RunStatus status() {
        return status;
    }

    public GptModel model() {
        return model;
    }

    public int stage() {
        return stage;
    }

    public int[] ranks() {
        return ranks == null ? new int[0] : ranks.ranks();
    }

    public long timeouts() {
        return timeouts;
    }

    /** Rank checks missed in a row now. */
    public int missedInARow() {
        return missedInARow;
    }

    @Override
    public void close() {
        try {
            checkpoints.close();
        } finally {
            if (decisions != null) decisions.close();
            kafka.close();
            if (replicas != null) replicas.close();
        }
        if (log != null) log.close();
    }
}
