package io.inrank.cli.experiment;

import java.util.ArrayList;
import java.util.List;

/**
 * One arm of the InRank comparison, as trainer settings: {@code full} (dense MLP), {@code cumulative} (the paper's
 * InRank: a frozen W_0 plus a low-rank cumulative update whose rank grows), {@code efficient} (the paper's efficient
 * form: factored layers, ranks grown for the stage-1 steps, then the resize and fixed-rank training),
 * {@code efficient-no-resize} (the factored layer whose ranks grow the whole run), {@code fixed} (factored layers
 * trained from scratch at the per-layer ranks the efficient arm of the same seed ended with: the paper's fixed-rank
 * baseline, so it runs after that arm), {@code fixed-N} (every layer at rank N from scratch: {@code fixed-128} is the
 * factored form at its most capacity) and {@code efficient-aX} (efficient with α = X, the ablation).
 *
 * @param fixedRank the single rank of a {@code fixed-N} arm, else 0
 */
record Arm(String name, String mode, Double alpha, int fixedRank) {
    static final List<String> KNOWN = List.of(
            "full", "cumulative", "efficient", "efficient-no-resize", "fixed", "fixed-<rank>", "efficient-a<α>");

    static Arm parse(String name) {
        switch (name) {
            case "full", "cumulative", "cumulative-orthogonal", "efficient", "efficient-no-resize" -> {
                return new Arm(name, name, null, 0);
            }
            case "fixed" -> {
                return new Arm(name, "efficient", null, 0);
            }
            case "inrank" ->
                throw new IllegalArgumentException("arm 'inrank' was renamed 'efficient-no-resize' (the factored layer"
                        + " without the resize); the paper's InRank is 'cumulative'");
            default -> {}
        }
        try {
            if (name.startsWith("efficient-a")) {
                double a = Double.parseDouble(name.substring("efficient-a".length()));
                if (a > 0 && a < 1) return new Arm(name, "efficient", a, 0);
            }
            if (name.startsWith("fixed-")) {
                int r = Integer.parseInt(name.substring("fixed-".length()));
                if (r >= 1) return new Arm(name, "efficient", null, r);
            }
        } catch (NumberFormatException ignored) {
            // fall through to the refusal
        }
        throw new IllegalArgumentException("unknown arm '" + name + "'; known: " + String.join(", ", KNOWN));
    }

    /** The arm that takes the efficient arm's final ranks (so it runs after it). */
    boolean fixed() {
        return name.equals("fixed");
    }

    /** Whether the ranks are set, not grown (fixed, fixed-N). */
    boolean fixedShape() {
        return fixed() || fixedRank > 0;
    }

    /** The trainer flags that make this arm (besides the shared ones and, for {@code fixed}, its ranks). */
    List<String> flags(int layers) {
        List<String> out = new ArrayList<>(List.of("--mode", mode));
        if (alpha != null) out.addAll(List.of("--alpha", String.valueOf(alpha)));
        if (fixedRank > 0) {
            StringBuilder r = new StringBuilder();
            for (int i = 0; i < 2 * layers; i++) r.append(i == 0 ? "" : ",").append(fixedRank);
            out.addAll(List.of("--fixed-ranks", r.toString()));
        }
        return out;
    }

    String run(int seed) {
        return name.replace('.', '_') + "-s" + seed;
    }
}
