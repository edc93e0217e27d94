package io.inrank.trainer.eval;

import io.inrank.model.GptModel;
import io.inrank.trainer.data.BlockStore;

/**
 * Perplexity on a held-out split, dropout off, blocks in order, non-overlapping (no sliding window, as in the paper).
 * Reports both numbers the paper's logs could mean (docs/ARCHITECTURE.md §2.6): exp(mean token NLL), the corpus
 * perplexity, and the mean over batches of exp(batch NLL), which Lightning logs as val/ppl (slightly higher, by
 * Jensen).
 * Only whole batches are evaluated (the model's batch size is fixed); a tail of fewer blocks is left out and said so.
 */
public final class Evaluator {
    private Evaluator() {}

    /** @param blocks how many blocks were evaluated (of {@code total} in the split) */
    public record Result(String split, double loss, double ppl, double meanBatchPpl, int blocks, int total) {}

    /** @param maxBatches 0 = the whole split */
    public static Result evaluate(GptModel model, BlockStore store, int maxBatches) {
        int b = model.batch(), l = model.seq();
        if (store.width() != l + 1)
            throw new IllegalArgumentException(
                    store.manifest().key() + " has blocks of " + (store.width() - 1) + " tokens, the model " + l);
        int batches = store.blocks() / b;
        if (maxBatches > 0) batches = Math.min(batches, maxBatches);
        if (batches == 0)
            throw new IllegalArgumentException(
                    store.manifest().key() + ": " + store.blocks() + " blocks, fewer than one batch of " + b);
        int[] ids = new int[b * l], tg = new int[b * l], buf = new int[l + 1];
        double nll = 0, batchPpl = 0;
        for (int i = 0; i < batches; i++) {
            for (int s = 0; s < b; s++) {
                store.block(i * b + s, buf, 0);
                System.arraycopy(buf, 0, ids, s * l, l);
                System.arraycopy(buf, 1, tg, s * l, l);
            }
            double loss = model.forward(ids, tg, false);
            nll += loss;
            batchPpl += Math.exp(loss);
        }
        double mean = nll / batches; // equal-size batches: the mean of batch means is the token mean
        return new Result(
                store.manifest().split(), mean, Math.exp(mean), batchPpl / batches, batches * b, store.blocks());
    }
}
