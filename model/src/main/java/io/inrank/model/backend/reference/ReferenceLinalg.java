package io.inrank.model.backend.reference;

/**
 * The InRank spectra and resize in plain Java: Householder QR of each factor's transpose, A_kᵀ = Q_A·R_A and
 * Bt_kᵀ = Q_B·R_B, so W = A_kᵀ·Bt_k = Q_A·(R_A·R_Bᵀ)·Q_Bᵀ and W's non-zero singular values are those of the k×k core,
 * which a one-sided Jacobi SVD (Hestenes) gives to full float64 accuracy. Matrices here are arrays of columns.
 */
final class ReferenceLinalg {
    private ReferenceLinalg() {}

    /** Singular values of A_kᵀ·Bt_k, descending, zero-padded to min(in, out). */
    static double[] singularValues(RefTensor aK, RefTensor btK) {
        int k = aK.rows(), width = Math.min(aK.cols(), btK.cols());
        double[][] core = core(qr(transposedColumns(aK)), qr(transposedColumns(btK)));
        double[] s = svd(core, k)[1][0];
        double[] out = new double[width];
        System.arraycopy(s, 0, out, 0, Math.min(k, width));
        return out;
    }

    /**
     * The balanced best rank-r approximation: A' = (Q_A·U_r·√S_r)ᵀ [r, in], Bt' = (Q_B·V_r·√S_r)ᵀ [r, out], each mode's sign
     * chosen so that its A row's entry of largest magnitude is positive (the convention every backend follows, so that
     * factors, not only their product, agree). Returned row-major.
     */
    static double[][] truncate(RefTensor aK, RefTensor btK, int r) {
        int k = aK.rows(), in = aK.cols(), out = btK.cols();
        if (r < 1 || r > k) throw new IllegalArgumentException("rank " + r + " outside 1.." + k);
        double[][][] qa = qr(transposedColumns(aK)), qb = qr(transposedColumns(btK));
        double[][][] usv = svd(core(qa, qb), k);
        double[][] u = usv[0], v = usv[2];
        double[] s = usv[1][0];
        double[][] qA = q(qa), qB = q(qb);
        double[] a = new double[r * in], bt = new double[r * out];
        for (int m = 0; m < r; m++) {
            double root = Math.sqrt(s[m]);
            for (int i = 0; i < in; i++) {
                double x = 0;
                for (int j = 0; j < k; j++) x += qA[j][i] * u[m][j];
                a[m * in + i] = x * root;
            }
            for (int i = 0; i < out; i++) {
                double x = 0;
                for (int j = 0; j < k; j++) x += qB[j][i] * v[m][j];
                bt[m * out + i] = x * root;
            }
            int big = 0;
            for (int i = 1; i < in; i++) if (Math.abs(a[m * in + i]) > Math.abs(a[m * in + big])) big = i;
            if (a[m * in + big] < 0) {
                for (int i = 0; i < in; i++) a[m * in + i] = -a[m * in + i];
                for (int i = 0; i < out; i++) bt[m * out + i] = -bt[m * out + i];
            }
        }
        return new double[][] {a, bt};
    }

    /** A row-major [k, n] factor as the k columns (length n) of its transpose. */
    private static double[][] transposedColumns(RefTensor f) {
        int k = f.rows(), n = f.cols();
        double[][] cols = new double[k][n];
        for (int j = 0; j < k; j++) for (int i = 0; i < n; i++) cols[j][i] = f.at(j, i);
        return cols;
    }

    /**
     * Householder QR of the m×k matrix with columns x (m ≥ k), in place: returns {R's columns (x, upper part), the
     * reflectors v_j}. Q = H_0·…·H_{k−1}, H_j = I − 2·v_j·v_jᵀ/(v_jᵀ·v_j).
     */
    private static double[][][] qr(double[][] x) {
        int k = x.length, m = x[0].length;
        double[][] v = new double[k][];
        for (int j = 0; j < k; j++) {
            double norm = 0;
            for (int i = j; i < m; i++) norm += x[j][i] * x[j][i];
            norm = Math.sqrt(norm);
            double[] vj = new double[m];
            if (norm > 0) {
                double alpha = x[j][j] > 0 ? -norm : norm;
                for (int i = j; i < m; i++) vj[i] = x[j][i];
                vj[j] -= alpha;
                reflect(vj, x, j); // every column from j on: x ← H_j·x
            }
            v[j] = vj;
        }
        return new double[][][] {x, v};
    }

    /** Applies H = I − 2·v·vᵀ/(vᵀv) to columns from..end of x (v is zero above its first entry). */
    private static void reflect(double[] v, double[][] x, int from) {
        double vv = 0;
        for (double e : v) vv += e * e;
        if (vv == 0) return;
        for (int l = from; l < x.length; l++) {
            double dot = 0;
            for (int i = 0; i < v.length; i++) dot += v[i] * x[l][i];
            double f = 2 * dot / vv;
            for (int i = 0; i < v.length; i++) x[l][i] -= f * v[i];
        }
    }

    /** The k columns of Q (the first k columns of H_0·…·H_{k−1}). */
    private static double[][] q(double[][][] qr) {
        double[][] v = qr[1];
        int k = v.length, m = v[0].length;
        double[][] q = new double[k][m];
        for (int j = 0; j < k; j++) q[j][j] = 1;
        for (int j = k - 1; j >= 0; j--) reflect(v[j], q, 0);
        return q;
    }

    /** The k×k core R_A·R_Bᵀ as columns: core[col][row] = Σ_l R_A(row, l)·R_B(col, l). */
    private static double[][] core(double[][][] qa, double[][][] qb) {
        double[][] ra = qa[0], rb = qb[0];
        int k = ra.length;
        double[][] g = new double[k][k];
        for (int col = 0; col < k; col++) {
            for (int row = 0; row < k; row++) {
                double s = 0;
                for (int l = Math.max(row, col); l < k; l++)
                    s += ra[l][row] * rb[l][col]; // R(i, l) = column l, row i; upper: i ≤ l
                g[col][row] = s;
            }
        }
        return g;
    }

    /**
     * One-sided Jacobi SVD of the k×k matrix with columns g (destroyed): rotations of column pairs until all are
     * orthogonal; then singular values are the column norms, U's columns the normalised columns, V the accumulated
     * rotations. Returns {U columns, {S}, V columns}, sorted by descending singular value.
     */
    private static double[][][] svd(double[][] g, int k) {
        double[][] v = new double[k][k];
        for (int i = 0; i < k; i++) v[i][i] = 1;
        for (int sweep = 0; sweep < 60; sweep++) {
            boolean rotated = false;
            for (int p = 0; p < k - 1; p++) {
                for (int q = p + 1; q < k; q++) {
                    double alpha = 0, beta = 0, gamma = 0;
                    for (int i = 0; i < k; i++) {
                        alpha += g[p][i] * g[p][i];
                        beta += g[q][i] * g[q][i];
                        gamma += g[p][i] * g[q][i];
                    }
                    if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta) || gamma == 0) continue;
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.signum(zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
                    if (zeta == 0) t = 1;
                    double c = 1 / Math.sqrt(1 + t * t), s = c * t;
                    rotate(g[p], g[q], c, s);
                    rotate(v[p], v[q], c, s);
                }
            }
            if (!rotated) break;
        }
        double[] sv = new double[k];
        for (int j = 0; j < k; j++) {
            double n = 0;
            for (double e : g[j]) n += e * e;
            sv[j] = Math.sqrt(n);
        }
        Integer[] order = new Integer[k];
        for (int j = 0; j < k; j++) order[j] = j;
        java.util.Arrays.sort(order, (x, y) -> Double.compare(sv[y], sv[x]));
        double[][] u = new double[k][], vs = new double[k][];
        double[] s = new double[k];
        for (int j = 0; j < k; j++) {
            int o = order[j];
            s[j] = sv[o];
            u[j] = new double[k];
            for (int i = 0; i < k; i++) u[j][i] = sv[o] == 0 ? 0 : g[o][i] / sv[o];
            vs[j] = v[o];
        }
        return new double[][][] {u, {s}, vs};
    }

    /** (x, y) ← (c·x − s·y, s·x + c·y) element by element. */
    private static void rotate(double[] x, double[] y, double c, double s) {
        for (int i = 0; i < x.length; i++) {
            double a = x[i], b = y[i];
            x[i] = c * a - s * b;
            y[i] = s * a + c * b;
        }
    }
}
