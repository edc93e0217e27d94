package io.inrank.model.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Softmax cross-entropy, mean over the N positions. The forward turns the logits into probabilities in place; the
 * backward turns those into dlogits in place (llm.c style: no second [N, V] buffer).
 */
public final class CrossEntropy {
    private CrossEntropy() {}

    /** @return mean loss; {@code logits} [N, V] now hold softmax probabilities */
    public static double forward(INDArray logits, int[] targets) {
        int n = (int) logits.size(0), v = (int) logits.size(1);
        Flat f = new Flat(logits);
        double loss = 0;
        for (int i = 0; i < n; i++) {
            long row = (long) i * v;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) max = Math.max(max, f.get(row + j));
            double sum = 0;
            for (int j = 0; j < v; j++) sum += Math.exp(f.get(row + j) - max);
            loss += Math.log(sum) + max - f.get(row + targets[i]);
            double inv = 1.0 / sum;
            for (int j = 0; j < v; j++) f.set(row + j, Math.exp(f.get(row + j) - max) * inv);
        }
        return loss / n;
    }

    /** probs → dlogits = (p − onehot(target))·dloss/N, in place. */
    public static void backward(INDArray probs, int[] targets, double dloss) {
        int n = (int) probs.size(0), v = (int) probs.size(1);
        Flat f = new Flat(probs);
        double s = dloss / n;
        for (int i = 0; i < n; i++) {
            long row = (long) i * v;
            for (int j = 0; j < v; j++) f.set(row + j, f.get(row + j) * s);
            f.add(row + targets[i], -s);
        }
    }
}
