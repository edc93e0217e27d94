package io.inrank.controller.service;

import io.inrank.controller.policy.SpectrumCheck;
import io.inrank.controller.state.RunState;
import io.inrank.protocol.RankDecision;
import io.inrank.protocol.SpectrumReport;
import io.inrank.protocol.rank.RankRule;
import io.inrank.protocol.rank.RatioPolicy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns one spectrum report into a decision against a run's state. Pure: no Kafka, no clock but the decision time.
 * Idempotent: a (run, step) already decided returns the stored decision unchanged.
 */
public final class Decider {
    public static final double DEFAULT_ALPHA = 0.9;

    /** A report that cannot be decided; the reason goes to the dead-letter topic. */
    public static final class Rejected extends Exception {
        public Rejected(String reason) {
            super(reason);
        }
    }

    public record Outcome(RankDecision decision, RunState state, boolean repeated) {}

    public static Outcome decide(SpectrumReport report, RunState current) throws Rejected {
        RatioPolicy policy;
        try {
            policy = RatioPolicy.byName(
                    report.policy() != null ? report.policy() : current == null ? null : current.policy());
        } catch (IllegalArgumentException e) {
            throw new Rejected(e.getMessage());
        }
        Map<String, Double> params =
                new LinkedHashMap<>(current == null ? Map.of("alpha", DEFAULT_ALPHA) : current.params());
        params.putAll(report.policyParams());
        double alpha = params.getOrDefault("alpha", DEFAULT_ALPHA);
        if (!(alpha > 0 && alpha < 1)) throw new Rejected("alpha must be in (0, 1), got " + alpha);
        RunState state = current != null ? current : RunState.fresh(report.run(), policy.name(), params);

        RankDecision earlier = state.decisionAt(report.step());
        if (earlier != null) return new Outcome(earlier, state, true);
        if (report.step() < state.lastStep()) {
            throw new Rejected(
                    "step " + report.step() + " goes backwards (last decided step " + state.lastStep() + ")");
        }
        for (SpectrumReport.LayerSpectrum l : report.layers()) {
            String problem = SpectrumCheck.problem(l);
            if (problem != null) throw new Rejected(problem);
            if (!state.layers().isEmpty() && !state.layers().containsKey(l.name())) {
                throw new Rejected("layer " + l.name() + " is unknown to run " + report.run() + " (known: "
                        + state.layers().keySet() + ")");
            }
        }
        Map<String, RunState.LayerState> layers = new LinkedHashMap<>(state.layers());
        List<RankDecision.LayerDecision> out = new ArrayList<>();
        for (SpectrumReport.LayerSpectrum l : report.layers()) {
            RunState.LayerState prev = layers.get(l.name());
            int rank = Math.max(l.rank(), prev == null ? 0 : prev.rank()); // never below a rank already granted
            RankRule.Decision d = RankRule.decide(l.singularValues(), rank, l.buffer(), l.maxRank(), alpha, policy);
            layers.put(l.name(), new RunState.LayerState(d.newRank(), l.buffer(), l.maxRank(), d.ratio()));
            out.add(new RankDecision.LayerDecision(l.name(), l.rank(), Math.max(1, d.newRank()), d.ratio()));
        }
        RankDecision decision = new RankDecision(
                RankDecision.VERSION,
                report.run(),
                report.step(),
                out,
                policy.name(),
                params,
                Instant.now().toString());
        return new Outcome(decision, state.with(decision, layers), false);
    }
}
