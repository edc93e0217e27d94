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
            int block0,
            long threshold,
            float keep) {
        int d() {
            return c / heads;
        }

        void write(KernelArgs a) {
            a.attnShape(batch, seq, heads, c, scale, seed, step, tensor, block0, threshold, keep);
        }
    }

    /**
     * The six GEMMs of one shape, per batch entry b with all heads as the batch (head stride D): q, k, v and dq, dk, dv
     * are head columns of qkv/dqkv (row stride 3C), y and dy of [T, C], scores and their gradients [H, T, T].
     */
    record Products(
            StridedGemm scores, // S = q·kᵀ          [T, T]
            StridedGemm output, // y = Pd·v          [T, D] into y's head columns
            StridedGemm probGrads, // dPd = dy·vᵀ    [T, T]
            StridedGemm dv, // dv = Pdᵀ·dy           [T, D]
            StridedGemm dq, // dq = scale·dS·k       [T, D]
            StridedGemm dk) { // dk = scale·dSᵀ·q    [T, D]
        static Products of(Shape s) {
            int t = s.seq(), h = s.heads(), c = s.c(), d = s.d();
            long tt = (long) t * t;
            return new Products(
                    new StridedGemm(t, t, d, false, true, 3 * c, d, 3 * c, d, t, tt, h),
                    new StridedGemm(t, d, t, false, false, t, tt, 3 * c, d, c, d, h),
                    new StridedGemm(t, t, d, false, true, c, d, 3 * c, d, t, tt, h),
                    new StridedGemm(t, d, t, true, false, t, tt, c, d, 3 * c, d, h),
                    new StridedGemm(t, d, t, false, false, t, tt, 3 * c, d, 3 * c, d, h),
                    new StridedGemm(t, d, t, true, false, t, tt, 3 * c, d, 3 * c, d, h));
        }
    }

    void forward(long qkv, long y, long lse, Shape s) {
        int t = s.seq(), c = s.c();
        Products g = Products.of(s);
        long scores = rows.workspace(DeviceMemory.WS_SCORES, s.heads() * (long) t * t);
        for (int b = 0; b < s.batch(); b++) {
            long q = qkv + 4L * b * t * 3 * c, k = q + 4L * c, v = q + 8L * c;
            gemm.run(g.scores(), q, k, scores, 1f, 0f);
            rows.softmax(scores, lse, s, b);
            gemm.run(g.output(), scores, v, y + 4L * b * t * c, 1f, 0f);
        }
    }

    void backward(long dy, long qkv, long lse, long dqkv, Shape s) {
        int t = s.seq(), c = s.c();
        Products g = Products.of(s);
        long tt = (long) t * t;
        long p = rows.workspace(DeviceMemory.WS_SCORES, s.heads() * tt),
                dp = rows.workspace(DeviceMemory.WS_SCORE_GRADS, s.heads() * tt);
        for (int b = 0; b < s.batch(); b++) {
            long q = qkv + 4L * b * t * 3 * c, k = q + 4L * c, v = q + 8L * c;
            long dq = dqkv + 4L * b * t * 3 * c, dk = dq + 4L * c, dv = dq + 8L * c, dyb = dy + 4L * b * t * c;
            gemm.run(g.scores(), q, k, p, 1f, 0f);
            gemm.run(g.probGrads(), dyb, v, dp, 1f, 0f);
            rows.softmaxBackward(p, dp, lse, s, b);
            gemm.run(g.dv(), p, dyb, dv, 1f, 0f);
            gemm.run(g.dq(), dp, k, dq, s.scale(), 0f);
            gemm.run(g.dk(), dp, q, dk, s.scale(), 0f);
        }
    }
}
