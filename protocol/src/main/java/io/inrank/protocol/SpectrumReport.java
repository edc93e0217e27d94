package io.inrank.protocol;

import java.util.List;
import java.util.Map;

/**
 * Trainer → rank-controller: the singular values of every InRank layer at one optimizer step (stage 1).
 * The controller answers with a {@link RankDecision} for the same (run, step).
 *
 * @param policy       rank policy name ("explained-variance" by default, or "energy"); null = the controller's default
 * @param policyParams e.g. alpha; null = defaults
 */
public record SpectrumReport(
        int version,
        String run,
        long step,
        List<LayerSpectrum> layers,
        String policy,
        Map<String, Double> policyParams) {

    public static final int VERSION = 1;

    public SpectrumReport {
        Messages.require(version >= 1 && version <= VERSION, "unsupported spectrum report version " + version);
        Messages.require(run != null && !run.isBlank(), "run missing");
        Messages.require(step >= 0, "step must be >= 0");
        Messages.require(layers != null && !layers.isEmpty(), "layers missing");
        layers = List.copyOf(layers);
        policyParams = policyParams == null ? Map.of() : Map.copyOf(policyParams);
    }

    /**
     * One layer's state and spectrum.
     *
     * @param rank           r, the current rank
     * @param buffer         b, the extra modes trained beside r in stage 1
     * @param maxRank        the most modes the layer's factors hold (min(rows, cols) / 2 by default)
     * @param singularValues all min(rows, cols) values, descending, zero-padded
     */
    public record LayerSpectrum(
            String name, int rows, int cols, int rank, int buffer, int maxRank, double[] singularValues) {
        public LayerSpectrum {
            Messages.require(name != null && !name.isBlank(), "layer name missing");
            Messages.require(rows > 0 && cols > 0, "layer " + name + ": rows and cols must be > 0");
            Messages.require(singularValues != null, "layer " + name + ": singularValues missing");
        }
    }
}
