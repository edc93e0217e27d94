package io.inrank.model.backend.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Dense linear layer y = x·W + b with W stored [in, out] (GPT-2's Conv1D layout), so both passes are plain GEMMs into
 * preallocated outputs. Gradients accumulate (β = 1) so micro-batches can be summed; the caller zeroes them.
 */
public final class Linear {
    private Linear() {}

    /** y[i, :] += b, as a plain loop (ND4J's broadcast op allocates native memory per call). */
    static void addBias(INDArray y, INDArray b) {
        int n = (int) y.size(0), out = (int) y.size(1);
        Flat fy = new Flat(y), fb = new Flat(b);
        // rows split across the team only when there are many: a decode step's few rows cost less than a hand-off
        WorkerTeam.SHARED.forRanges(n, Math.max(1, (1 << 16) / Math.max(1, out)), (from, to) -> {
            for (long i = from; i < to; i++) {
                long row = i * out;
                for (int j = 0; j < out; j++) fy.set(row + j, fy.get(row + j) + fb.get(j));
            }
        });
    }

    /** The bias gradient as a [1, out] row; pass it in that shape to avoid making a view per call. */
    static INDArray asRow(INDArray v) {
        return v.rank() == 2 ? v : v.reshape(1, v.length());
    }

    /** y[N,out] = x[N,in]·wTᵀ (+ b[out]) for a weight stored transposed, wT [out, in]. */
    public static void forwardT(INDArray x, INDArray wT, INDArray b, INDArray y) {
        Blas.mm(x, wT, y, false, true, 1.0, 0.0);
        if (b != null) addBias(y, b);
    }

    /** y[N,out] = x[N,in]·w[in,out] (+ b[out]). */
    public static void forward(INDArray x, INDArray w, INDArray b, INDArray y) {
        Blas.mm(x, w, y, false, false, 1.0, 0.0);
        if (b != null) addBias(y, b);
    }

    /**
     * dx = dy·wᵀ; dw += xᵀ·dy; db += Σ_rows dy (as onesᵀ·dy, a GEMM into the existing buffer).
     *
     * @param ones a [1, N] row of ones (preallocated by the caller), null when there is no bias
     * @param dx   may be null when the input needs no gradient
     */
    public static void backward(
            INDArray dy, INDArray x, INDArray w, INDArray dx, INDArray dw, INDArray db, INDArray ones) {
        if (dx != null) Nd4j.gemm(dy, w, dx, false, true, 1.0, 0.0);
        Nd4j.gemm(x, dy, dw, true, false, 1.0, 1.0);
        if (db != null) Nd4j.gemm(ones, dy, asRow(db), false, false, 1.0, 1.0);
    }
}
