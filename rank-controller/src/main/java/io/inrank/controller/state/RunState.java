package io.inrank.controller.state;

import io.inrank.protocol.RankDecision;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the controller knows about one training run; the value of {@code inrank.rank-state} (compacted, key =
 * run id), so a restarted controller rebuilds it and answers repeated (run, step) reports with the same decision.
 *
 * @param history every decision, in step order
 */
public record RunState(
        int version,
        String run,
        String policy,
        Map<String, Double> params,
        Map<String, LayerState> layers,
        long lastStep,
        List<RankDecision> history) {

    /** Current state of one layer. */
    public record LayerState(int rank, int buffer, int maxRank, double lastRatio) {}

    public static RunState fresh(String run, String policy, Map<String, Double> params) {
        return new RunState(1, run, policy, Map.copyOf(params), new LinkedHashMap<>(), -1, new ArrayList<>());
    }

    public RankDecision decisionAt(long step) {
        for (RankDecision d : history) if (d.step() == step) return d;
        return null;
    }

    public RunState with(RankDecision d, Map<String, LayerState> newLayers) {
        List<RankDecision> h = new ArrayList<>(history);
        h.add(d);
        return new RunState(
                version, run, policy, params, new LinkedHashMap<>(newLayers), Math.max(lastStep, d.step()), h);
    }
}
