package io.inrank.cli.experiment;

import java.util.ArrayList;
import java.util.List;

/**
 * One arm of the InRank comparison, as trainer settings: {@code full} (dense MLP), {@code inrank} (ranks grow the whole
 * run), {@code efficient} (grow for the stage-1 steps, then resize and train at fixed rank), {@code fixed} (factored
 * layers trained from scratch at the per-layer ranks the efficient arm of the same seed ended with: the paper's
 * fixed-rank baseline, so it runs after that arm) and {@code efficient-aX} (efficient with α = X, the ablation).
 */
record Arm(String name, String mode, Double alpha) {
    static final List<String> KNOWN = List.of("full", "inrank", "efficient", "fixed", "efficient-a<α>");

    static Arm parse(String name) {
        if (name.equals("full") || name.equals("inrank") || name.equals("efficient")) return new Arm(name, name, null);
        if (name.startsWith("efficient-a")) {
            try {
                double a = Double.parseDouble(name.substring("efficient-a".length()));
                if (a > 0 && a < 1) return new Arm(name, "efficient", a);
            } catch (NumberFormatException ignored) {
                // fall through to the refusal
            }
        }
        if (name.equals("fixed")) return new Arm(name, "efficient", null);
        throw new IllegalArgumentException("unknown arm '" + name + "'; known: " + String.join(", ", KNOWN));
    }

    boolean fixed() {
        return name.equals("fixed");
    }

    /** The trainer flags that make this arm (besides the shared ones and, for {@code fixed}, its ranks). */
    List<String> flags() {
        List<String> out = new ArrayList<>(List.of("--mode", mode));
        if (alpha != null) out.addAll(List.of("--alpha", String.valueOf(alpha)));
        return out;
    }

    String run(int seed) {
        return name.replace('.', '_') + "-s" + seed;
    }
}
