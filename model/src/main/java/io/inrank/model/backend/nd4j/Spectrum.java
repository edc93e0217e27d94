package io.inrank.model.backend.nd4j;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Singular values of an InRank layer's effective weight W = A_kᵀ·Bt_k ([in, out]) without forming W: with thin QR
 * A_kᵀ = Q_A·R_A and Bt_kᵀ = Q_B·R_B, W = Q_A·(R_A·R_Bᵀ)·Q_Bᵀ, so W's non-zero singular values are those of the k×k core
 * R_A·R_Bᵀ. The values come from OpenBLAS's LAPACKE directly (dgeqrf without forming Q, dgesdd values only); the
 * resize, which needs the vectors, uses ND4J's geqrf/gesvd wrappers (the only SVD path that works in ND4J M2.1: its
 * other SVD routes crash or return wrong values). Computed in float64 whatever the model's precision. See
 * docs/ARCHITECTURE.md §2.5.
 */
public final class Spectrum {
    private Spectrum() {}

    /** The factorisation of the core, kept for a resize: W = Q_A·U·diag(s)·Vᵀ·Q_Bᵀ. */
    public record Core(INDArray qa, INDArray qb, INDArray u, double[] s, INDArray vt) {}

    /**
     * @param aK  [k, in]
     * @param btK [k, out]
     * @return min(in, out) singular values, descending, zero-padded beyond k
     */
    public static double[] singularValues(INDArray aK, INDArray btK) {
        int k = (int) aK.size(0), in = (int) aK.size(1), out = (int) btK.size(1);
        double[] ra = upperR(aK), rb = upperR(btK);
        // core = R_A·R_Bᵀ (k×k, column-major) by GEMM, then its singular values (divide and conquer, values only)
        INDArray m = Nd4j.create(DataType.DOUBLE, new long[] {k, k}, 'f');
        Nd4j.gemm(
                Nd4j.create(ra, new long[] {k, k}, 'f'),
                Nd4j.create(rb, new long[] {k, k}, 'f'),
                m,
                false,
                true,
                1.0,
                0.0);
        DoublePointer s = new DoublePointer(k);
        int info = openblas.LAPACKE_dgesdd(
                openblas.LAPACK_COL_MAJOR,
                (byte) 'N',
                k,
                k,
                (DoublePointer) m.data().addressPointer(),
                k,
                s,
                (DoublePointer) null,
                1,
                (DoublePointer) null,
                1);
        if (info != 0) throw new IllegalStateException("LAPACKE_dgesdd failed: info " + info);
        double[] values = new double[k];
        s.get(values);
        s.close();
        return pad(values, Math.min(in, out));
    }

    /**
     * R of the thin QR of a factor's transpose. A row-major [k, n] factor is, read column-major, exactly its transpose
     * [n, k], so LAPACK's dgeqrf works on a double copy in place and Q is never formed.
     */
    private static double[] upperR(INDArray factor) {
        int k = (int) factor.size(0), n = (int) factor.size(1);
        INDArray work = factor.castTo(DataType.DOUBLE).dup('c');
        DoublePointer a = (DoublePointer) work.data().addressPointer();
        DoublePointer tau = new DoublePointer(k);
        int info = openblas.LAPACKE_dgeqrf(openblas.LAPACK_COL_MAJOR, n, k, a, n, tau);
        tau.close();
        if (info != 0) throw new IllegalStateException("LAPACKE_dgeqrf failed: info " + info);
        double[] r = new double[k * k]; // column-major k×k, upper triangle of the first k rows
        double[] col = new double[k];
        for (int j = 0; j < k; j++) {
            a.position((long) j * n).get(col, 0, j + 1);
            System.arraycopy(col, 0, r, j * k, j + 1);
        }
        a.position(0);
        return r;
    }

    /** QR of both factors and SVD of the core (with U, Vᵀ when {@code vectors}). */
    public static Core core(INDArray aK, INDArray btK, boolean vectors) {
        int k = (int) aK.size(0);
        INDArray qa = aK.transpose().castTo(DataType.DOUBLE).dup('f'); // [in, k] → Q_A
        INDArray qb = btK.transpose().castTo(DataType.DOUBLE).dup('f'); // [out, k] → Q_B
        INDArray ra = Nd4j.create(DataType.DOUBLE, new long[] {k, k}, 'f');
        INDArray rb = Nd4j.create(DataType.DOUBLE, new long[] {k, k}, 'f');
        Nd4j.getBlasWrapper().lapack().geqrf(qa, ra);
        Nd4j.getBlasWrapper().lapack().geqrf(qb, rb);
        INDArray m = ra.mmul(rb.transpose()).dup('f'); // k×k core
        INDArray s = Nd4j.create(DataType.DOUBLE, k);
        INDArray u = vectors ? Nd4j.create(DataType.DOUBLE, new long[] {k, k}, 'f') : null;
        INDArray vt = vectors ? Nd4j.create(DataType.DOUBLE, new long[] {k, k}, 'f') : null;
        Nd4j.getBlasWrapper().lapack().gesvd(m, s, u, vt);
        return new Core(qa, qb, u, s.toDoubleVector(), vt);
    }

    /** Reference: full SVD of the dense product (slow; tests and the benchmark). */
    public static double[] denseSingularValues(INDArray aK, INDArray btK) {
        INDArray w = aK.transpose()
                .castTo(DataType.DOUBLE)
                .mmul(btK.castTo(DataType.DOUBLE))
                .dup('f');
        INDArray s = Nd4j.create(DataType.DOUBLE, Math.min(w.size(0), w.size(1)));
        Nd4j.getBlasWrapper().lapack().gesvd(w, s, null, null);
        return s.toDoubleVector();
    }

    /**
     * The balanced best rank-r approximation of W (Eckart–Young): A' = (Q_A·U_r·√S_r)ᵀ [r, in] and
     * Bt' = √S_r·V_rᵀ·Q_Bᵀ [r, out], so A'ᵀ·Bt' is W truncated to its top r singular values
     * (docs/ARCHITECTURE.md §2.4).
     */
    public static INDArray[] truncate(INDArray aK, INDArray btK, int r) {
        Core c = core(aK, btK, true);
        if (r > c.s().length) throw new IllegalArgumentException("rank " + r + " > active modes " + c.s().length);
        INDArray sqrt = Nd4j.create(DataType.DOUBLE, r);
        for (int i = 0; i < r; i++) sqrt.putScalar(i, Math.sqrt(c.s()[i]));
        INDArray ur = c.u().get(NDArrayIndex.all(), NDArrayIndex.interval(0, r)); // [k, r]
        INDArray vtr = c.vt().get(NDArrayIndex.interval(0, r), NDArrayIndex.all()); // [r, k]
        INDArray aT = c.qa().mmul(ur).mulRowVector(sqrt); // [in, r]
        INDArray bt = vtr.mulColumnVector(sqrt.reshape(r, 1)).mmul(c.qb().transpose()); // [r, out]
        INDArray a = aT.transpose().dup('c');
        orientModes(a, bt);
        DataType t = aK.dataType();
        return new INDArray[] {a.castTo(t), bt.dup('c').castTo(t)};
    }

    /**
     * Each mode's sign is free (a mode and its negation give the same product); the convention of every backend: the
     * entry of largest magnitude in the mode's A row is positive, so factors, not only products, agree across backends.
     */
    private static void orientModes(INDArray a, INDArray bt) {
        for (int m = 0; m < a.size(0); m++) {
            INDArray row = a.getRow(m);
            long big = 0;
            for (long i = 1; i < row.length(); i++)
                if (Math.abs(row.getDouble(i)) > Math.abs(row.getDouble(big))) big = i;
            if (row.getDouble(big) < 0) {
                row.muli(-1);
                bt.getRow(m).muli(-1);
            }
        }
    }

    static double[] pad(double[] s, int n) {
        double[] out = new double[n];
        System.arraycopy(s, 0, out, 0, Math.min(n, s.length));
        return out;
    }
}
