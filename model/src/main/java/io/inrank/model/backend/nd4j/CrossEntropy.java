package io.inrank.model.backend.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Softmax cross-entropy, mean over the N positions. The forward turns the logits into probabilities in place; the
 * backward turns those into dlogits in place (llm.c style: no second [N, V] buffer). The [N, V] passes (subtract the
 * row max, exp, normalise, scale) run as ND4J's native vectorised ops; only per-row scalars are touched from Java.
 */
public final class CrossEntropy {
    private CrossEntropy() {}

    /** @return mean loss; {@code logits} [N, V] now hold softmax probabilities */
    public static double forward(INDArray logits, int[] targets) {
        int n = (int) logits.size(0);
        return forward(logits, targets, Nd4j.create(logits.dataType(), n, 1), Nd4j.create(logits.dataType(), n, 1));
    }

    /** With preallocated [N, 1] scratch columns (the training loop allocates nothing per step). */
    public static double forward(INDArray logits, int[] targets, INDArray rowMax, INDArray sums) {
        int n = (int) logits.size(0), v = (int) logits.size(1);
        Flat f = new Flat(logits);
        double loss = 0;
        for (int i = 0; i < n; i++) {
            long row = (long) i * v;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) max = Math.max(max, f.get(row + j));
            rowMax.putScalar(i, max);
            loss += max - f.get(row + targets[i]);
        }
        logits.subiColumnVector(rowMax);
        Transforms.exp(logits, false);
        logits.sum(sums, 1);
        for (int i = 0; i < n; i++) loss += Math.log(sums.getDouble(i));
        logits.diviColumnVector(sums);
        return loss / n;
    }

    /** probs → dlogits = (p − onehot(target))·dloss/N, in place. */
    public static void backward(INDArray probs, int[] targets, double dloss) {
        int n = (int) probs.size(0), v = (int) probs.size(1);
        double s = dloss / n;
        probs.muli(s);
        Flat f = new Flat(probs);
        for (int i = 0; i < n; i++) f.add((long) i * v + targets[i], -s);
    }
}
