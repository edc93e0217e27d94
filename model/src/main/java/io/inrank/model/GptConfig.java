package io.inrank.model;

/**
 * Shape and variant of a GPT-2 model (docs/ARCHITECTURE.md §2.1, §3.6).
 *
 * @param mode              FULL: dense MLP with tanh GELU (the HF baseline); INRANK / INRANK_EFFICIENT: MLP linears as
 *                          factors A·B with exact GELU (the paper's repo model; the two differ only in how they are
 *                          trained: efficient resizes at the end of stage 1); CUMULATIVE: the paper's InRank, a frozen
 *                          W_0 plus the factors as the cumulative update, W = W_0 + A·B ({@link FrozenBase}).
 * @param scaleAttnByLayer  attention logits × 1/(layer+1) (scale_attn_by_inverse_layer_idx, both arms in the paper)
 * @param tanhGelu          the MLP activation: the mode's (below) unless a dense twin of a factored model must compute
 *                          the same function ({@code inrank.DenseTwin})
 */
public record GptConfig(
        int vocab,
        int context,
        int layers,
        int heads,
        int dim,
        Mode mode,
        boolean scaleAttnByLayer,
        double dropout,
        double layerNormEps,
        boolean tanhGelu) {

    /** How the MLP is parametrised and trained; {@link #label()} is the name users give and metrics carry. */
    public enum Mode {
        /** Dense MLP: the baseline. */
        FULL("full"),
        /** The efficient form's factored layer, ranks grown the whole run, never resized. */
        INRANK("efficient-no-resize"),
        /** The paper's efficient InRank: ranks grown for stage 1, then the resize and fixed-rank training. */
        INRANK_EFFICIENT("efficient"),
        /** The paper's InRank: a frozen W_0 (GPT-2's init) plus the cumulative update A·B, ranks grown the whole run. */
        CUMULATIVE("cumulative"),
        /** CUMULATIVE with an orthogonal W_0 of GPT-2's init's Frobenius norm (the paper's analysis assumes one). */
        CUMULATIVE_ORTHOGONAL("cumulative-orthogonal");

        private final String label;

        Mode(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /** Every label, for help texts. */
        public static String labels() {
            return java.util.Arrays.stream(values())
                    .map(Mode::label)
                    .collect(java.util.stream.Collectors.joining(", "));
        }

        /** The mode a user named; the name before 2026-12 ('inrank') is refused with what to say instead. */
        public static Mode byLabel(String s) {
            for (Mode m : values()) if (m.label.equals(s)) return m;
            if ("inrank".equals(s))
                throw new IllegalArgumentException("mode 'inrank' was renamed: say 'efficient-no-resize' (the factored"
                        + " layer without the resize, what 'inrank' meant), or 'cumulative' for the paper's InRank"
                        + " (W_0 + a low-rank update)");
            throw new IllegalArgumentException("unknown mode '" + s + "' (" + labels() + ")");
        }
    }

    public GptConfig {
        if (dim % heads != 0) throw new IllegalArgumentException("dim " + dim + " is not a multiple of heads " + heads);
        if (vocab < 1 || context < 1 || layers < 1) throw new IllegalArgumentException("sizes must be positive");
    }

    /** The mode decides the activation: the InRank model uses nn.GELU() (exact), the HF baseline gelu_new (tanh). */
    public GptConfig(
            int vocab,
            int context,
            int layers,
            int heads,
            int dim,
            Mode mode,
            boolean scaleAttnByLayer,
            double dropout,
            double layerNormEps) {
        this(vocab, context, layers, heads, dim, mode, scaleAttnByLayer, dropout, layerNormEps, mode == Mode.FULL);
    }

    public int hidden() {
        return 4 * dim;
    }

    public int headDim() {
        return dim / heads;
    }

    /** R_max = ⌊min(in, out)/2⌋, the same for fc1 (d→4d) and fc2 (4d→d). */
    public int maxRank() {
        return Math.min(dim, hidden()) / 2;
    }

    /** MLP linears carry InRank factors (every mode but FULL). */
    public boolean lowRank() {
        return mode != Mode.FULL;
    }

    /** The factors are an update to a frozen W_0 (the paper's InRank), not the whole weight. */
    public boolean cumulative() {
        return mode == Mode.CUMULATIVE || mode == Mode.CUMULATIVE_ORTHOGONAL;
    }

    public GptConfig withMode(Mode m) {
        return new GptConfig(vocab, context, layers, heads, dim, m, scaleAttnByLayer, dropout, layerNormEps);
    }

    public GptConfig withDropout(double p) {
        return new GptConfig(vocab, context, layers, heads, dim, mode, scaleAttnByLayer, p, layerNormEps, tanhGelu);
    }

    public GptConfig withVocab(int v) {
        return new GptConfig(v, context, layers, heads, dim, mode, scaleAttnByLayer, dropout, layerNormEps, tanhGelu);
    }

    public GptConfig withTanhGelu(boolean tanh) {
        return new GptConfig(vocab, context, layers, heads, dim, mode, scaleAttnByLayer, dropout, layerNormEps, tanh);
    }

    /**
     * The tokenizer's vocabulary, every preset's. The wire format's own constant ({@code TokenBlocks.GPT2_VOCAB}, the
     * bound on the ids a block may carry) must agree: a trainer test checks it.
     */
    public static final int GPT2_VOCAB = io.inrank.tokenizer.Gpt2Tokenizer.VOCAB;

    /**
     * Presets: {@code tiny} for CPU tests and the demo; {@code cpu-small} (4 layers, d = 256, 4 heads, T = 128) for the
     * CPU-scale InRank experiment: MLP matrices of 256 × 1024 give ranks room to plateau well below d_model, yet a step
     * of 8 × 128 tokens stays under a second on two cores; and the three GPT-2 sizes of the paper.
     */
    public static GptConfig preset(String name, Mode mode) {
        return switch (name) {
            case "tiny" -> new GptConfig(GPT2_VOCAB, 128, 2, 4, 128, mode, true, 0.1, 1e-5);
            case "cpu-small" -> new GptConfig(GPT2_VOCAB, 128, 4, 4, 256, mode, true, 0.1, 1e-5);
            case "gpt2-small" -> new GptConfig(GPT2_VOCAB, 1024, 12, 12, 768, mode, true, 0.1, 1e-5);
            case "gpt2-medium" -> new GptConfig(GPT2_VOCAB, 1024, 24, 16, 1024, mode, true, 0.1, 1e-5);
            case "gpt2-large" -> new GptConfig(GPT2_VOCAB, 1024, 36, 20, 1280, mode, true, 0.1, 1e-5);
            default ->
                throw new IllegalArgumentException(
                        "unknown preset '" + name + "' (tiny, cpu-small, gpt2-small, gpt2-medium, gpt2-large)");
        };
    }
}
