package io.inrank.model.backend.cuda;

/**
 * Causal attention on cuBLAS (the default; {@code INRANK_CUDA_ATTENTION=rows} selects the one-thread-per-row kernels
 * instead). Per batch entry b, over all heads at once with strided-batched GEMMs on the head columns of qkv [B·T, 3C]
 * (row stride 3C, head stride D): S = q·kᵀ into a workspace [H, T, T], {@code attention_softmax_rows} turns it into
 * dropped probabilities and lse, y = P·v. The backward recomputes S, takes dPd = dy·vᵀ, lets
 * {@code attention_softmax_backward_rows} make Pd and dS, then dv = Pdᵀ·dy, dq = scale·dS·k, dk = scale·dSᵀ·q.
 * Transient memory: two [H, T, T] workspaces (e.g. 2 × 48 MiB for 12 heads at T = 1024), reused for every b and layer.
 */
final class GemmAttention {
    static final int ROW_BLOCK = 256;

    /** The two row kernels and the workspaces, as the GPU runs them (or a host twin in tests). */
    interface Rows {
        /** attention_softmax_rows: scores [H, T, T] of batch b → dropped probabilities in place; lse row b. */
        void softmax(long scores, long lse, Shape s, int b);

        /** attention_softmax_backward_rows: S → Pd in p, dPd → dS in dp, for batch b. */
        void softmaxBackward(long p, long dp, long lse, Shape s, int b);

        /** Workspace {@code which} of at least n floats. */
        long workspace(int which, long n);
    }

    private final BatchedGemm gemm;
    private final Rows rows;

    GemmAttention(BatchedGemm gemm, Rows rows) {
        this.gemm = gemm;
        this.rows = rows;
    }

    /** The rows on the GPU: the kernels of attention.cu and the arena's workspaces. */
    static Rows onDevice(Kernels kernels, DeviceMemory mem) {
        return new Rows() {
            @Override
            public void softmax(long scores, long lse, Shape s, int b) {
                KernelArgs a = kernels.args().ptr(scores).ptr(lse);
                s.write(a);
                a.i32(b);
                kernels.launch("attention", "attention_softmax_rows", s.heads() * s.seq(), 1, ROW_BLOCK, 0);
            }

            @Override
            public void softmaxBackward(long p, long dp, long lse, Shape s, int b) {
                KernelArgs a = kernels.args().ptr(p).ptr(dp).ptr(lse);
                s.write(a);
                a.i32(b);
                kernels.launch("attention", "attention_softmax_backward_rows", s.heads() * s.seq(), 1, ROW_BLOCK, 0);
            }

            @Override
            public long workspace(int which, long n) {
                return mem.workspace(which, n);
            }
        };
    }

    /** The shape and dropout of one call, with the AttnShape argument it becomes. */
    record Shape(
            int batch,
            int seq,
            int heads,
            int c,
            float scale,
            long seed,
            long step,
            int tensor,
            long threshold,
            float keep) {
        int d() {
            return c / heads;
        }

        void write(KernelArgs a) {
            a.attnShape(batch, seq, heads, c, scale, seed, step, tensor, threshold, keep);
        }
    }

    void forward(long qkv, long y, long lse, Shape s) {
        int t = s.seq(), h = s.heads(), c = s.c(), d = s.d();
        long tt = (long) t * t;
        long scores = rows.workspace(DeviceMemory.WS_SCORES, h * tt);
        for (int b = 0; b < s.batch(); b++) {
            long q = qkv + 4L * b * t * 3 * c, k = q + 4L * c, v = q + 8L * c;
            // S[h] = q[h]·k[h]ᵀ  [T, T]
            gemm.stridedBatched(q, 3 * c, d, k, 3 * c, d, scores, t, tt, t, t, d, false, true, 1f, 0f, h);
            rows.softmax(scores, lse, s, b);
            // y[h] = Pd[h]·v[h]  [T, D] at row stride C
            gemm.stridedBatched(scores, t, tt, v, 3 * c, d, y + 4L * b * t * c, c, d, t, d, t, false, false, 1f, 0f, h);
        }
    }

    void backward(long dy, long qkv, long lse, long dqkv, Shape s) {
        int t = s.seq(), h = s.heads(), c = s.c(), d = s.d();
        long tt = (long) t * t;
        long p = rows.workspace(DeviceMemory.WS_SCORES, h * tt),
                dp = rows.workspace(DeviceMemory.WS_SCORE_GRADS, h * tt);
        for (int b = 0; b < s.batch(); b++) {
            long q = qkv + 4L * b * t * 3 * c, k = q + 4L * c, v = q + 8L * c;
            long dq = dqkv + 4L * b * t * 3 * c, dk = dq + 4L * c, dv = dq + 8L * c, dyb = dy + 4L * b * t * c;
            gemm.stridedBatched(q, 3 * c, d, k, 3 * c, d, p, t, tt, t, t, d, false, true, 1f, 0f, h); // S
            gemm.stridedBatched(dyb, c, d, v, 3 * c, d, dp, t, tt, t, t, d, false, true, 1f, 0f, h); // dPd = dy·vᵀ
            rows.softmaxBackward(p, dp, lse, s, b);
            gemm.stridedBatched(p, t, tt, dyb, c, d, dv, 3 * c, d, t, d, t, true, false, 1f, 0f, h); // dv = Pdᵀ·dy
            gemm.stridedBatched(dp, t, tt, k, 3 * c, d, dq, 3 * c, d, t, d, t, false, false, s.scale(), 0f, h); // dq
            gemm.stridedBatched(dp, t, tt, q, 3 * c, d, dk, 3 * c, d, t, d, t, true, false, s.scale(), 0f, h); // dk
        }
    }
}
