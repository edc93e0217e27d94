package io.inrank.model.backend.cuda;

import org.bytedeco.cuda.cusolver.cusolverDnContext;
import org.bytedeco.cuda.global.cusolver;
import org.bytedeco.javacpp.IntPointer;

/**
 * InRank's spectra and stage-2 resize on the device, by the same route as the CPU backends: thin QR of each factor's
 * transpose (cuSOLVER geqrf; a row-major [k, n] factor already is the column-major n×k matrix Fᵀ, so nothing is
 * transposed), the k×k core R_A·R_Bᵀ formed in float64 from the two small R's, and its SVD by cuSOLVER in float64
 * (gesvd). The resize then forms Q_A·U_r·√S_r and Q_B·V_r·√S_r with cuBLAS (orgqr gives the Q's) and applies the
 * sign convention of {@link io.inrank.model.backend.Backend#truncate}. Runs only at rank checks and the resize, so
 * its workspaces come from the arena per call.
 */
final class Spectra {
    private final cusolverDnContext handle = new cusolverDnContext();
    private final DeviceMemory mem;
    private final Gemm gemm;

    Spectra(DeviceMemory mem, Gemm gemm) {
        this.mem = mem;
        this.gemm = gemm;
        CudaCheck.solver(cusolver.cusolverDnCreate(handle), "cusolverDnCreate");
        CudaCheck.solver(cusolver.cusolverDnSetStream(handle, mem.stream), "cusolverDnSetStream");
    }

    /** Singular values of A_kᵀ·Bt_k, descending, zero-padded to min(in, out). */
    double[] singularValues(CudaTensor aK, CudaTensor btK) {
        int k = aK.rows(), width = Math.min(aK.cols(), btK.cols());
        Factor a = qr(aK, false), b = qr(btK, false);
        double[] s = svd(core(a.r, b.r, k), k, false).s;
        double[] out = new double[width];
        System.arraycopy(s, 0, out, 0, Math.min(k, width));
        return out;
    }

    /** {A' [r, in], Bt' [r, out]} into the given tensors (made by the caller). */
    void truncate(CudaTensor aK, CudaTensor btK, int r, CudaTensor aOut, CudaTensor btOut) {
        int k = aK.rows(), in = aK.cols(), out = btK.cols();
        Factor a = qr(aK, true), b = qr(btK, true);
        try {
            Svd usv = svd(core(a.r, b.r, k), k, true);
            // M_A = U_r·√S_r, M_B = V_r·√S_r, column-major k×r; V = (VT)ᵀ
            float[] ma = new float[k * r], mb = new float[k * r];
            for (int m = 0; m < r; m++) {
                double root = Math.sqrt(usv.s[m]);
                for (int j = 0; j < k; j++) {
                    ma[m * k + j] = (float) (usv.u[m * k + j] * root);
                    mb[m * k + j] = (float) (usv.vt[j * k + m] * root);
                }
            }
            long dm = mem.allocateRaw(4L * k * r);
            try {
                // row-major A' [r, in] = (Q_A·M_A)ᵀ: row-major M_Aᵀ [r, k] times row-major Q_Aᵀ [k, in]
                mem.fromHost(ma, dm, ma.length);
                gemm.gemm(dm, a.work, aOut.address, r, in, k, false, false, 1f, 0f);
                mem.fromHost(mb, dm, mb.length);
                gemm.gemm(dm, b.work, btOut.address, r, out, k, false, false, 1f, 0f);
            } finally {
                mem.release(dm);
            }
            signConvention(aOut, btOut, r, in, out);
        } finally {
            a.release();
            b.release();
        }
    }

    /** Each mode signed so that the entry of largest magnitude in its A row is positive. */
    private void signConvention(CudaTensor a, CudaTensor bt, int r, int in, int out) {
        float[] ha = new float[r * in], hb = new float[r * out];
        mem.toHost(a.address, ha, ha.length);
        mem.toHost(bt.address, hb, hb.length);
        for (int m = 0; m < r; m++) {
            int big = 0;
            for (int i = 1; i < in; i++) if (Math.abs(ha[m * in + i]) > Math.abs(ha[m * in + big])) big = i;
            if (ha[m * in + big] >= 0) continue;
            for (int i = 0; i < in; i++) ha[m * in + i] = -ha[m * in + i];
            for (int i = 0; i < out; i++) hb[m * out + i] = -hb[m * out + i];
        }
        mem.fromHost(ha, a.address, ha.length);
        mem.fromHost(hb, bt.address, hb.length);
    }

    /** R (k×k, column-major, upper) on the host; with keepQ the workspace holds Q (n×k, column-major) afterwards. */
    private record Factor(float[] r, long work, DeviceMemory mem) {
        void release() {
            mem.release(work);
        }
    }

    private Factor qr(CudaTensor f, boolean keepQ) {
        int k = f.rows(), n = f.cols();
        if (n < k) throw new IllegalArgumentException("factor [" + k + ", " + n + "] has fewer columns than modes");
        long work = mem.allocateRaw(4L * n * k), tau = mem.allocateRaw(4L * k), info = mem.allocateRaw(4);
        long buf = 0;
        try {
            mem.copy(f.address, work, 4L * n * k);
            IntPointer lwork = new IntPointer(1);
            CudaCheck.solver(
                    cusolver.cusolverDnSgeqrf_bufferSize(handle, n, k, RawPointer.floats(work), n, lwork),
                    "cusolverDnSgeqrf_bufferSize");
            int size = lwork.get();
            if (keepQ) {
                CudaCheck.solver(
                        cusolver.cusolverDnSorgqr_bufferSize(
                                handle, n, k, k, RawPointer.floats(work), n, RawPointer.floats(tau), lwork),
                        "cusolverDnSorgqr_bufferSize");
                size = Math.max(size, lwork.get());
            }
            buf = mem.allocateRaw(4L * Math.max(size, 1));
            CudaCheck.solver(
                    cusolver.cusolverDnSgeqrf(
                            handle,
                            n,
                            k,
                            RawPointer.floats(work),
                            n,
                            RawPointer.floats(tau),
                            RawPointer.floats(buf),
                            size,
                            RawPointer.ints(info)),
                    "cusolverDnSgeqrf " + n + "×" + k);
            float[] r = mem.blockToHost(work, n, k, k);
            if (keepQ) {
                CudaCheck.solver(
                        cusolver.cusolverDnSorgqr(
                                handle,
                                n,
                                k,
                                k,
                                RawPointer.floats(work),
                                n,
                                RawPointer.floats(tau),
                                RawPointer.floats(buf),
                                size,
                                RawPointer.ints(info)),
                        "cusolverDnSorgqr " + n + "×" + k);
            }
            checkInfo(info, "QR");
            if (!keepQ) {
                mem.release(work);
                work = 0;
            }
            return new Factor(r, work, mem);
        } catch (RuntimeException e) {
            if (work != 0) mem.release(work);
            throw e;
        } finally {
            if (buf != 0) mem.release(buf);
            mem.release(tau);
            mem.release(info);
        }
    }

    /** The k×k core R_A·R_Bᵀ in float64, column-major: core(row, col) = Σ_{l ≥ max(row, col)} R_A(row, l)·R_B(col, l). */
    static double[] core(float[] ra, float[] rb, int k) {
        double[] g = new double[k * k];
        for (int col = 0; col < k; col++)
            for (int row = 0; row < k; row++) {
                double s = 0;
                for (int l = Math.max(row, col); l < k; l++) s += (double) ra[l * k + row] * rb[l * k + col];
                g[col * k + row] = s;
            }
        return g;
    }

    private record Svd(double[] u, double[] s, double[] vt) {}

    private Svd svd(double[] core, int k, boolean vectors) {
        long a = mem.allocateRaw(8L * k * k), s = mem.allocateRaw(8L * k), info = mem.allocateRaw(4);
        long u = vectors ? mem.allocateRaw(8L * k * k) : 0, vt = vectors ? mem.allocateRaw(8L * k * k) : 0, buf = 0;
        long rwork = mem.allocateRaw(8L * k);
        try {
            mem.doublesFromHost(core, a);
            IntPointer lwork = new IntPointer(1);
            CudaCheck.solver(cusolver.cusolverDnDgesvd_bufferSize(handle, k, k, lwork), "cusolverDnDgesvd_bufferSize");
            buf = mem.allocateRaw(8L * Math.max(lwork.get(), 1));
            byte job = (byte) (vectors ? 'A' : 'N');
            CudaCheck.solver(
                    cusolver.cusolverDnDgesvd(
                            handle,
                            job,
                            job,
                            k,
                            k,
                            RawPointer.doubles(a),
                            k,
                            RawPointer.doubles(s),
                            RawPointer.doubles(u),
                            k,
                            RawPointer.doubles(vt),
                            k,
                            RawPointer.doubles(buf),
                            lwork.get(),
                            RawPointer.doubles(rwork),
                            RawPointer.ints(info)),
                    "cusolverDnDgesvd " + k + "×" + k);
            checkInfo(info, "SVD");
            return new Svd(
                    vectors ? mem.doublesToHost(u, k * k) : null,
                    mem.doublesToHost(s, k),
                    vectors ? mem.doublesToHost(vt, k * k) : null);
        } finally {
            for (long p : new long[] {a, s, info, u, vt, buf, rwork}) if (p != 0) mem.release(p);
        }
    }

    private void checkInfo(long info, String what) {
        float[] f = new float[1];
        mem.toHost(info, f, 1);
        int v = Float.floatToRawIntBits(f[0]);
        if (v != 0) throw new CudaCheck.CudaException("cuSOLVER " + what + " reported info = " + v);
    }
}
