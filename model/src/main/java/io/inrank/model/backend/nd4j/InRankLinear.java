package io.inrank.model.backend.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The InRank linear map on the first k modes: y = (x·A_kᵀ)·B_k + b, i.e. W = (B_k)ᵀ… in our storage both factors are
 * mode-major: A is [R, in] (the official code's A) and Bt is [R, out] (the transpose of the official B [out, R]), so
 * A_k and Bt_k are the contiguous first k rows and every product is a GEMM on contiguous views.
 * The effective weight in the dense layout [in, out] is A_kᵀ·Bt_k.
 */
public final class InRankLinear {
    private InRankLinear() {}

    /**
     * @param aK  [k, in]   first k rows of A
     * @param btK [k, out]  first k rows of Bᵀ
     * @param h   [N, k]    the hidden x·A_kᵀ, kept for backward
     */
    public static void forward(INDArray x, INDArray aK, INDArray btK, INDArray b, INDArray h, INDArray y) {
        Blas.mm(x, aK, h, false, true, 1.0, 0.0);
        Blas.mm(h, btK, y, false, false, 1.0, 0.0);
        if (b != null) Linear.addBias(y, b);
    }

    /** forward with the second factor stored transposed: bK = Bt_kᵀ, [out, k] (decoding's row-dot-product form). */
    public static void forwardT(INDArray x, INDArray aK, INDArray bK, INDArray b, INDArray h, INDArray y) {
        Blas.mm(x, aK, h, false, true, 1.0, 0.0);
        Blas.mm(h, bK, y, false, true, 1.0, 0.0);
        if (b != null) Linear.addBias(y, b);
    }

    /**
     * dBt_k += hᵀ·dy; dh = dy·Bt_kᵀ; dA_k += dhᵀ·x; dx = dh·A_k; db += Σ_rows dy. Gradients of modes ≥ k are untouched.
     */
    public static void backward(
            INDArray dy,
            INDArray x,
            INDArray aK,
            INDArray btK,
            INDArray h,
            INDArray dh,
            INDArray dx,
            INDArray daK,
            INDArray dbtK,
            INDArray db,
            INDArray ones) {
        Nd4j.gemm(h, dy, dbtK, true, false, 1.0, 1.0);
        Nd4j.gemm(dy, btK, dh, false, true, 1.0, 0.0);
        Nd4j.gemm(dh, x, daK, true, false, 1.0, 1.0);
        if (dx != null) Nd4j.gemm(dh, aK, dx, false, false, 1.0, 0.0);
        if (db != null) Nd4j.gemm(ones, dy, Linear.asRow(db), false, false, 1.0, 1.0);
    }
}
