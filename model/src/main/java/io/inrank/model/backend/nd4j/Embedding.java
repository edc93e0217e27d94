package io.inrank.model.backend.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Token + position embedding: x[b·T+t] = wte[id] + wpe[t]; the backward is a scatter-add (repeated ids accumulate). */
public final class Embedding {
    private Embedding() {}

    public static void forward(int[] ids, int seq, INDArray wte, INDArray wpe, INDArray x) {
        int c = (int) wte.size(1);
        Flat fte = new Flat(wte), fpe = new Flat(wpe), fx = new Flat(x);
        for (int n = 0; n < ids.length; n++) {
            long te = (long) ids[n] * c, pe = (long) (n % seq) * c, o = (long) n * c;
            for (int j = 0; j < c; j++) fx.set(o + j, fte.get(te + j) + fpe.get(pe + j));
        }
    }

    public static void backward(INDArray dx, int[] ids, int seq, INDArray dwte, INDArray dwpe) {
        int c = (int) dwte.size(1);
        Flat fdx = new Flat(dx), fte = new Flat(dwte), fpe = new Flat(dwpe);
        for (int n = 0; n < ids.length; n++) {
            long te = (long) ids[n] * c, pe = (long) (n % seq) * c, o = (long) n * c;
            for (int j = 0; j < c; j++) {
                double g = fdx.get(o + j);
                fte.add(te + j, g);
                fpe.add(pe + j, g);
            }
        }
    }

    /** Decoding: x[i] = wte[tokens[i]] + wpe[positions[i]] for rows i < n. */
    public static void rows(int[] tokens, int[] positions, int n, INDArray wte, INDArray wpe, INDArray x) {
        int c = (int) wte.size(1);
        Flat fte = new Flat(wte), fpe = new Flat(wpe), fx = new Flat(x);
        for (int i = 0; i < n; i++) {
            if (tokens[i] < 0 || tokens[i] >= wte.size(0))
                throw new IllegalArgumentException("token " + tokens[i] + " outside the vocabulary");
            long te = (long) tokens[i] * c, pe = (long) positions[i] * c, o = (long) i * c;
            for (int j = 0; j < c; j++) fx.set(o + j, fte.get(te + j) + fpe.get(pe + j));
        }
    }
}
