package io.inrank.model.backend;

/**
 * Names one dropout mask: element e of the tensor {@code tensor} at micro-step {@code step} of a run seeded
 * {@code seed} is kept or dropped by one Philox-4x32-10 word, the same on every backend:
 * <pre>
 *   key     = (seed & 0xFFFFFFFF, seed >>> 32)
 *   counter = (e / 4, tensor, step & 0xFFFFFFFF, step >>> 32)
 *   word    = Philox(counter, key)[e % 4]
 *   dropped ⇔ word (unsigned) &lt; threshold(p) = round(p · 2³²)
 * </pre>
 * Kept elements are scaled by 1/(1 − p). The comparison is on integers, so no backend's float rounding can change a
 * mask. Element indices are row-major within the tensor: [n, C] for the embedding and residual dropouts,
 * [B, H, T, T] (query row, key column) for the attention probabilities, of which only the causal part is used.
 *
 * <p>Tensor ids are the model's ({@code GptModel}): 0 the embeddings, then per block l: 1 + 3l the attention
 * probabilities, 2 + 3l the attention's residual branch, 3 + 3l the MLP's residual branch.
 *
 * <p>{@code first} is the global index of this tensor's element 0 (a multiple of 4): a data-parallel replica holding
 * sequences s… of the global batch keys its elements as the whole batch's, so every replica count draws the same
 * masks. The counter's first word is then (e + first) / 4, taken mod 2³² as the device kernels take it.
 */
public record DropoutKey(long seed, long step, int tensor, long first) {

    public DropoutKey {
        if (first < 0 || (first & 3) != 0)
            throw new IllegalArgumentException("first element " + first + " must be a non-negative multiple of 4");
    }

    /** A tensor that starts at the global element 0 (one replica). */
    public DropoutKey(long seed, long step, int tensor) {
        this(seed, step, tensor, 0);
    }

    /** The counter offset the kernels add to a local block index: first / 4, as an unsigned 32-bit word. */
    public int firstBlock() {
        return (int) (first >>> 2);
    }

    /** The largest element index a mask addresses (e / 4 must fit the counter's 32-bit word). */
    public static final long MAX_ELEMENTS = 1L << 34;

    /** The unsigned 32-bit threshold below which a word drops its element. */
    public static long threshold(double p) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        return Math.round(p * 4294967296.0);
    }

    /** The four words of (local) elements 4·block … 4·block + 3. */
    public void words(long block, int[] out) {
        Philox.block(
                (int) block + firstBlock(),
                tensor,
                (int) step,
                (int) (step >>> 32),
                (int) seed,
                (int) (seed >>> 32),
                out);
    }

    /** Whether element e is kept, for a threshold from {@link #threshold} (one Philox call: use {@link #words} in loops). */
    public boolean kept(long e, long threshold) {
        int[] w = new int[4];
        words(e >>> 2, w);
        return (w[(int) (e & 3)] & 0xFFFFFFFFL) >= threshold;
    }

    /** The key of another tensor at the same step (whose element 0 is the global element 0). */
    public DropoutKey forTensor(int id) {
        return new DropoutKey(seed, step, id);
    }
}
