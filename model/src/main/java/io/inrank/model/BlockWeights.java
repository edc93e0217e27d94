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
    public sealed interface Mlp permits Dense, Factored {
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
     * Block l from the parameter buffers: values, or gradients ({@code grads}); the InRank factors at k1 (fc1) and
     * k2 (fc2) active modes. Gradients of 1-D biases come as [1, n] rows, the shape the bias-gradient GEMMs write.
     */
    public static BlockWeights of(Params p, int l, boolean grads, int k1, int k2) {
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
        Dense d = (Dense) m;
        return new Dense(be.inferenceCopy(d.weight()), d.bias());
    }
}
