package io.inrank.protocol;

import java.util.List;
import java.util.Map;

/** Rank-controller → trainer: the rank of every layer to use from step {@code step + 1} on, and why. */
public record RankDecision(
        int version,
        String run,
        long step,
        List<LayerDecision> layers,
        String policy,
        Map<String, Double> policyParams,
        String decidedAt) {

    public static final int VERSION = 1;

    public RankDecision {
        Messages.require(version >= 1 && version <= VERSION, "unsupported rank decision version " + version);
        Messages.require(run != null && !run.isBlank(), "run missing");
        Messages.require(step >= 0, "step must be >= 0");
        Messages.require(layers != null, "layers missing");
        Messages.require(policy != null && !policy.isBlank(), "policy missing");
        layers = List.copyOf(layers);
        policyParams = policyParams == null ? Map.of() : Map.copyOf(policyParams);
    }

    /** @param ratio the policy's ratio at the chosen rank (explained variance or energy) */
    public record LayerDecision(String name, int previousRank, int newRank, double ratio) {
        public LayerDecision {
            Messages.require(name != null && !name.isBlank(), "layer name missing");
            Messages.require(newRank >= 1, "layer " + name + ": newRank must be >= 1");
        }
    }
}
