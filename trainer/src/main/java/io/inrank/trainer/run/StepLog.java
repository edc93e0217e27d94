package io.inrank.trainer.run;

import io.inrank.trainer.config.TrainSettings;
import io.inrank.trainer.eval.Evaluator;
import io.inrank.trainer.rank.Ranks;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import org.jboss.logging.Logger;

/**
 * The run's own record: {@code <checkpoint-dir>/<run>/steps.jsonl}, one JSON line per step, per evaluation
 * ({@code "eval"}) and per applied rank check ({@code "check": "rank"}, with each layer's explained ratio)
 * (appended across restarts: after a resume, the steps since the last checkpoint appear again, with the same values),
 * and a one-line progress log every {@code log-every} steps: step, loss, ppl, lr, tokens/s, ranks, ETA.
 */
final class StepLog implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("io.inrank.trainer.progress");
    private final BufferedWriter out;
    private final TrainSettings s;
    private long windowNanos, windowSteps;
    private double windowLoss;

    StepLog(Path file, TrainSettings s, long startStep) {
        this.s = s;
        try {
            Files.createDirectories(file.getParent());
            out = Files.newBufferedWriter(
                    file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    void step(long step, double loss, double lr, double gradNorm, long nanos, Ranks ranks, int stage) {
        write(String.format(
                Locale.ROOT,
                "{\"step\":%d,\"loss\":%s,\"lr\":%s,\"grad_norm\":%s,\"step_ms\":%.2f,\"stage\":%d,\"ranks\":%s}",
                step,
                loss,
                lr,
                gradNorm,
                nanos / 1e6,
                stage,
                ranks == null ? "[]" : Arrays.toString(ranks.ranks()).replace(" ", "")));
        windowNanos += nanos;
        windowSteps++;
        windowLoss += loss;
        if (step % s.logEvery() == 0 || step == s.steps()) {
            double meanLoss = windowLoss / windowSteps, stepSec = windowNanos / 1e9 / windowSteps;
            long etaSec = Math.round((s.steps() - step) * stepSec);
            LOG.infof(
                    "step %d/%d | loss %.4f | ppl %.1f | lr %.2e | %,.0f tok/s | %s | ETA %dm%02ds",
                    step,
                    s.steps(),
                    meanLoss,
                    Math.exp(meanLoss),
                    lr,
                    s.tokensPerStep() / stepSec,
                    ranks == null
                            ? "dense"
                            : "rank min/med/max " + ranks.summary()
                                    + (stage == 1 ? " (+" + ranks.buffer() + " buffer)" : " (fixed)"),
                    etaSec / 60,
                    etaSec % 60);
            windowNanos = windowSteps = 0;
            windowLoss = 0;
        }
    }

    /** A rank check's outcome: the ranks from the next step on and each layer's ratio at its chosen rank. */
    void check(long step, Ranks ranks, double[] ratios) {
        StringBuilder rs = new StringBuilder("[");
        for (int i = 0; i < ratios.length; i++)
            rs.append(i == 0 ? "" : ",").append(Double.isNaN(ratios[i]) ? "null" : Double.toString(ratios[i]));
        write(String.format(
                Locale.ROOT,
                "{\"step\":%d,\"check\":\"rank\",\"ranks\":%s,\"ratios\":%s]}",
                step,
                Arrays.toString(ranks.ranks()).replace(" ", ""),
                rs));
    }

    void eval(long step, Evaluator.Result r) {
        write(String.format(
                Locale.ROOT,
                "{\"step\":%d,\"eval\":\"%s\",\"loss\":%s,\"ppl\":%s,\"mean_batch_ppl\":%s,\"blocks\":%d}",
                step,
                r.split(),
                r.loss(),
                r.ppl(),
                r.meanBatchPpl(),
                r.blocks()));
    }

    private void write(String line) {
        try {
            out.write(line);
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException ignored) {
            // nothing left to save
        }
    }
}
