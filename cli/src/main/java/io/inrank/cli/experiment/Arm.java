package io.inrank.cli.experiment;

import java.util.ArrayList;
import java.util.List;

/**
 * One arm of the InRank comparison, as trainer settings: {@code full} (dense MLP), {@code inrank} (ranks grow the whole
 * run), {@code efficient} (grow for the stage-1 steps, then resize and train at fixed rank) and {@code efficient-aX}
 * (the same with α = X, the ablation).
 */
record Arm(String name, String mode, Double alpha) {
    static final List<String> KNOWN = List.of("full", "inrank", "efficient", "efficient-a<α>");

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
        if (name.equals("fixed"))
            throw new IllegalArgumentException(
                    "arm 'fixed' (dense-sized layers trained from scratch at the efficient arm's"
                            + " final ranks) is not available yet: the trainer has no fixed-rank-from-scratch mode");
        throw new IllegalArgumentException("unknown arm '" + name + "'; known: " + String.join(", ", KNOWN));
    }

    /** The trainer flags that make this arm (besides the shared ones). */
    List<String> flags() {
        List<String> out = new ArrayList<>(List.of("--mode", mode));
        if (alpha != null) out.addAll(List.of("--alpha", String.valueOf(alpha)));
        return out;
    }

    String run(int seed) {
        return name.replace('.', '_') + "-s" + seed;
    }
}
