package io.inrank.controller.service;

import io.inrank.controller.policy.SpectrumCheck;
import io.inrank.controller.state.RunState;
import io.inrank.protocol.RankDecision;
import io.inrank.protocol.SpectrumReport;
import io.inrank.protocol.Topics;
import io.inrank.rank.RankLimits;
import io.inrank.rank.RankRule;
import io.inrank.rank.RatioPolicy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns one spectrum report into a decision against a run's state. Pure: no Kafka, no clock but the decision time.
 * Idempotent: a (run, step) still in the run's window returns the stored decision unchanged. Whether the report is the
 * run's own (its signature) is the service's business, checked before this is called.
 */
public final class Decider {
    public static final double DEFAULT_ALPHA = 0.9;

    /** How far past the run's last decided step a report may be ({@code inrank.controller.max-step-jump}). */
    public static final long DEFAULT_MAX_STEP_JUMP = 100_000;

    /**
     * Why a report was refused: the {@code reason} tag of {@code inrank.controller.rejected}. A fixed set, so refused
     * reports cannot create metric series.
     */
    public enum Reason {
        /** Not signed with the run's key (a run-key master is set), or no record key. */
        SIGNATURE,
        /** The report's run is not its record key. */
        RUN,
        /** Not a readable spectrum report. */
        MALFORMED,
        /** Unknown policy or a bad alpha. */
        POLICY,
        /** Going backwards, older than the window, or too far ahead. */
        STEP,
        /** Layers other than the run's. */
        LAYERS,
        /** A layer's spectrum or rank state is unusable. */
        SPECTRUM,
        /** A failure of the controller's own code. */
        ERROR;

        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A report that cannot be decided; the reason goes to the dead-letter topic. */
    public static final class Rejected extends Exception {
        private final Reason reason;

        public Rejected(Reason reason, String message) {
            super(message);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }
    }

    public record Outcome(RankDecision decision, RunState state, boolean repeated) {}

    private Decider() {}

    public static Outcome decide(SpectrumReport report, RunState current) throws Rejected {
        return decide(report, current, DEFAULT_MAX_STEP_JUMP);
    }

    /**
     * @param maxStepJump how far past the run's last decided step the report may be; a run's first report is not
     *     bounded
     */
    public static Outcome decide(SpectrumReport report, RunState current, long maxStepJump) throws Rejected {
        RatioPolicy policy;
        try {
            policy = RatioPolicy.byName(
                    report.policy() != null ? report.policy() : current == null ? null : current.policy());
        } catch (IllegalArgumentException e) {
            throw new Rejected(Reason.POLICY, e.getMessage());
        }
        Map<String, Double> params =
                new LinkedHashMap<>(current == null ? Map.of("alpha", DEFAULT_ALPHA) : current.params());
        params.putAll(report.policyParams());
        double alpha = params.getOrDefault("alpha", DEFAULT_ALPHA);
        if (!(alpha > 0 && alpha < 1)) throw new Rejected(Reason.POLICY, "alpha must be in (0, 1), got " + alpha);
        RunState state = current != null ? current : RunState.fresh(report.run(), policy.name(), params);

        long step = report.step(), last = state.lastStep();
        RankDecision earlier = state.decisionAt(step);
        if (earlier != null) return new Outcome(earlier, state, true);
        if (step <= last) {
            if (step < state.oldestKept()) {
                throw new Rejected(
                        Reason.STEP,
                        "step " + step + " goes backwards and is older than the idempotency window (steps "
                                + state.oldestKept() + ".." + last + " are kept; every decision is on "
                                + Topics.RANK_DECISIONS + ")");
            }
            throw new Rejected(
                    Reason.STEP, "step " + step + " goes backwards (last decided step " + last + ", not repeated)");
        }
        if (last >= 0 && step - last > maxStepJump) {
            throw new Rejected(
                    Reason.STEP,
                    "step " + step + " is more than max-step-jump " + maxStepJump + " past the last decided step "
                            + last);
        }

        Map<String, SpectrumReport.LayerSpectrum> byName = new LinkedHashMap<>();
        for (SpectrumReport.LayerSpectrum l : report.layers()) {
            String problem = SpectrumCheck.problem(l);
            if (problem != null) throw new Rejected(Reason.SPECTRUM, problem);
            if (byName.put(l.name(), l) != null)
                throw new Rejected(Reason.LAYERS, "layer " + l.name() + " appears twice in the report");
        }
        // the layer set is fixed by the run's first accepted report; decisions list layers in that order
        Set<String> known = state.layers().keySet();
        if (!known.isEmpty()) {
            for (String name : byName.keySet()) {
                if (!known.contains(name))
                    throw new Rejected(
                            Reason.LAYERS,
                            "layer " + name + " is unknown to run " + report.run() + " (known: " + known + ")");
            }
            if (byName.size() != known.size()) {
                Set<String> missing = new LinkedHashSet<>(known);
                missing.removeAll(byName.keySet());
                throw new Rejected(
                        Reason.LAYERS,
                        "layers " + missing + " of run " + report.run()
                                + " are missing from the report (its first report fixed the layer set)");
            }
        }
        List<String> order = known.isEmpty() ? List.copyOf(byName.keySet()) : List.copyOf(known);

        Map<String, RunState.LayerState> layers = new LinkedHashMap<>(state.layers());
        List<RankDecision.LayerDecision> out = new ArrayList<>();
        for (String name : order) {
            SpectrumReport.LayerSpectrum l = byName.get(name);
            RunState.LayerState prev = layers.get(name);
            int rank = RankLimits.startingRank(l.rank(), prev == null ? null : prev.rank());
            RankRule.Decision d = RankRule.decide(l.singularValues(), rank, l.buffer(), l.maxRank(), alpha, policy);
            layers.put(name, new RunState.LayerState(d.newRank(), l.buffer(), l.maxRank(), d.ratio()));
            out.add(new RankDecision.LayerDecision(name, l.rank(), Math.max(1, d.newRank()), d.ratio()));
        }
        RankDecision decision = new RankDecision(
                RankDecision.VERSION,
                report.run(),
                step,
                out,
                policy.name(),
                params,
                Instant.now().toString());
        return new Outcome(decision, state.with(decision, layers), false);
    }
}
