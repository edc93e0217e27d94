package io.inrank.model;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.Tensor;

/**
 * One transformer block's weights (or their gradients), resolved once into typed handles: views of the flat parameter
 * buffers, or a decoder's inference copies. Shapes with C the model width and k an InRank layer's active modes.
 *
 * @param ln1Weight  [C]      ln_1.weight (γ)
 * @param ln1Bias    [C]      ln_1.bias (β)
 * @param attnWeight [C, 3C]  attn.c_attn.weight: x → q | k | v
 * @param attnBias   [3C]
 * @param projWeight [C, C]   attn.c_proj.weight
 * @param projBias   [C]
 * @param ln2Weight  [C]
 * @param ln2Bias    [C]
 * @param fc         the MLP's first linear, C → 4C
 * @param out        the MLP's second linear, 4C → C
 */
public record BlockWeights(
        Tensor ln1Weight,
        Tensor ln1Bias,
        Tensor attnWeight,
        Tensor attnBias,
        Tensor projWeight,
        Tensor projBias,
        Tensor ln2Weight,
        Tensor ln2Bias,
        Mlp fc,
        Mlp out) {

    /** An MLP linear of the block: dense (the full-rank model) or InRank factors on the active modes. */
    public sealed interface Mlp permits Dense, Factored, Cumulative {
        Tensor bias();
    }

    /** y = x·weight + bias; weight [in, out] (mlp.c_fc / mlp.c_proj). */
    public record Dense(Tensor weight, Tensor bias) implements Mlp {}

    /** y = (x·aᵀ)·bt + bias with a = A_k [k, in], bt = Bt_k [k, out] (mlp.fc1 / mlp.fc2, first k modes). */
    public record Factored(Tensor a, Tensor bt, Tensor bias) implements Mlp {
        /** Modes in use (an inference copy may carry zero padding: then more than k). */
        public int modes() {
            return (int) a.size(0);
        }
    }

    /**
     * The paper's InRank linear: y = x·w0 + (x·aᵀ)·bt + bias, w0 [in, out] the frozen initialisation (null in a
     * gradient view: it has none), a = A_k [k, in] and bt = Bt_k [k, out] the cumulative update.
     */
    public record Cumulative(Tensor w0, Tensor a, Tensor bt, Tensor bias) implements Mlp {}

    /**
     * Block l from the parameter buffers: values, or gradients ({@code grads}); the InRank factors at k1 (fc1) and
     * k2 (fc2) active modes. Gradients of 1-D biases come as [1, n] rows, the shape the bias-gradient GEMMs write.
     * {@code base}: the frozen W_0 of fc1 and fc2 for a cumulative model, else null.
     */
    public static BlockWeights of(Params p, int l, boolean grads, int k1, int k2, Tensor[] base) {
        Backend be = p.backend();
        String h = "h." + l + ".";
        java.util.function.Function<String, Tensor> t = name -> grads ? p.grad(name) : p.value(name);
        java.util.function.Function<String, Tensor> bias = name -> {
            if (!grads) return p.value(name);
            Params.Entry e = p.get(name);
            return be.view(p.grads(), e.offset(), 1, e.length());
        };
        Mlp fc, out;
        if (p.all().containsKey(h + "mlp.fc1.A")) {
            fc = new Factored(
                    be.rows(t.apply(h + "mlp.fc1.A"), k1),
                    be.rows(t.apply(h + "mlp.fc1.Bt"), k1),
                    bias.apply(h + "mlp.fc1.bias"));
            out = new Factored(
                    be.rows(t.apply(h + "mlp.fc2.A"), k2),
                    be.rows(t.apply(h + "mlp.fc2.Bt"), k2),
                    bias.apply(h + "mlp.fc2.bias"));
            if (base != null) {
                fc = cumulative(grads ? null : base[0], (Factored) fc);
                out = cumulative(grads ? null : base[1], (Factored) out);
            }
        } else {
            fc = new Dense(t.apply(h + "mlp.c_fc.weight"), bias.apply(h + "mlp.c_fc.bias"));
            out = new Dense(t.apply(h + "mlp.c_proj.weight"), bias.apply(h + "mlp.c_proj.bias"));
        }
        return new BlockWeights(
                t.apply(h + "ln_1.weight"),
                bias.apply(h + "ln_1.bias"),
                t.apply(h + "attn.c_attn.weight"),
                bias.apply(h + "attn.c_attn.bias"),
                t.apply(h + "attn.c_proj.weight"),
                bias.apply(h + "attn.c_proj.bias"),
                t.apply(h + "ln_2.weight"),
                bias.apply(h + "ln_2.bias"),
                fc,
                out);
    }

    private static Cumulative cumulative(Tensor w0, Factored f) {
        return new Cumulative(w0, f.a(), f.bt(), f.bias());
    }

    /**
     * A snapshot for decoding: the products' weights as {@link Backend#inferenceCopy} / {@link Backend#inferenceFactors}
     * (layouts of the backend's choosing), norms and biases in place.
     */
    public BlockWeights forInference(Backend be) {
        return new BlockWeights(
                ln1Weight,
                ln1Bias,
                be.inferenceCopy(attnWeight),
                attnBias,
                be.inferenceCopy(projWeight),
                projBias,
                ln2Weight,
                ln2Bias,
                forInference(be, fc),
                forInference(be, out));
    }

    private static Mlp forInference(Backend be, Mlp m) {
        if (m instanceof Factored f) {
            Tensor[] c = be.inferenceFactors(f.a(), f.bt());
            return new Factored(c[0], c[1], f.bias());
        }
        if (m instanceof Cumulative c) { // decoded as one dense weight W_0 + A_kᵀ·Bt_k: the cheapest exact form
            Tensor w = be.zeros(c.w0().dtype(), c.w0().shape());
            be.copy(c.w0(), w);
            be.matmul(c.a(), c.bt(), w, true, false, 1.0, 1.0);
            return new Dense(be.inferenceCopy(w), c.bias());
        }
        Dense d = (Dense) m;
        return new Dense(be.inferenceCopy(d.weight()), d.bias());
    }
}
