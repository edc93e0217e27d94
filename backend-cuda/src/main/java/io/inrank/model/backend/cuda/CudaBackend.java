package io.inrank.model.backend.cuda;

import static io.inrank.model.backend.cuda.LaunchShapes.ATTN_BLOCK;
import static io.inrank.model.backend.cuda.LaunchShapes.BLOCK;
import static io.inrank.model.backend.cuda.LaunchShapes.grid;

import io.inrank.model.backend.AdamWStep;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.DropoutKey;
import io.inrank.model.backend.Precision;
import io.inrank.model.backend.ReplicaGroup;
import io.inrank.model.backend.Tensor;
import java.util.List;

/**
 * The CUDA backend: float32 tensors in one device arena, the kernels of {@link KernelSources} on one stream, GEMMs on
 * cuBLAS ({@link Gemm}), spectra on cuSOLVER ({@link Spectra}). Every method enqueues work on the stream and returns;
 * only the calls that hand a value to the host (transfers, the loss, the norm) wait for it. Calls are serialized
 * (one stream, one argument buffer). float64 tensors are refused: on a GPU the float64 oracle is the reference
 * backend, which this one is checked against.
 */
final class CudaBackend implements Backend {
    private final CudaRuntime.Device device;
    private final Precision precision;
    private final DeviceMemory mem;
    private final Kernels kernels;
    private final Gemm gemm;
    private final Spectra spectra;
    /** Null: the one-thread-per-row attention kernels ({@code INRANK_CUDA_ATTENTION=rows}). */
    private final GemmAttention attention;

    private final int partials;
    private EmbeddingBuckets buckets;
    private int[] packed = new int[64];
    private float[] hostStaging = new float[0];

    CudaBackend(
            CudaRuntime.Device device,
            Precision precision,
            DeviceMemory mem,
            Kernels kernels,
            Gemm gemm,
            int multiprocessors) {
        this.device = device;
        this.precision = precision;
        this.mem = mem;
        this.kernels = kernels;
        this.gemm = gemm;
        this.spectra = new Spectra(mem, gemm);
        this.attention =
                attentionKind().equals("rows") ? null : new GemmAttention(gemm, GemmAttention.onDevice(kernels, mem));
        this.partials = LaunchShapes.reductionPartials(multiprocessors);
    }

    /** {@code INRANK_CUDA_ATTENTION}: gemm (default) or rows. */
    static String attentionKind() {
        String v = System.getenv("INRANK_CUDA_ATTENTION");
        if (v == null || v.isBlank() || v.equals("gemm")) return "gemm";
        if (v.equals("rows")) return "rows";
        throw new IllegalArgumentException("INRANK_CUDA_ATTENTION '" + v + "': expected gemm or rows");
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public boolean supports(DType t) {
        return t == DType.F32;
    }

    /** e.g. "sm_90, CUDA 13.0 driver, NVRTC 13.1, bf16, arena 120.0 GiB". */
    String describe() {
        return String.format(
                "%s, driver %d, NVRTC %s, %s GEMMs, arena %s",
                device.arch(),
                device.driverVersion(),
                device.nvrtcVersion(),
                precision.label(),
                DeviceArena.mib(mem.capacity()));
    }

    Precision precision() {
        return precision;
    }

    /** The most arena bytes in use at once so far (tensors and workspaces; cuBLAS's own workspace is not in it). */
    @Override
    public synchronized long peakMemoryBytes() {
        return mem.peakBytes();
    }

    private static CudaTensor of(Tensor t) {
        if (t instanceof CudaTensor c) return c;
        throw new IllegalArgumentException("not a cuda tensor: " + t);
    }

    private static int n(Tensor t) {
        long n = t.length();
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor too large for one host array: " + t);
        return (int) n;
    }

    // ---- memory ----
    @Override
    public synchronized Tensor zeros(DType t, long... shape) {
        requireF32(t);
        CudaTensor x = mem.tensor(shape);
        mem.zero(x.address, 4 * x.length());
        return x;
    }

    @Override
    public synchronized Tensor ones(DType t, long... shape) {
        requireF32(t);
        CudaTensor x = mem.tensor(shape);
        fill(x, 1);
        return x;
    }

    private static void requireF32(DType t) {
        if (t != DType.F32)
            throw new UnsupportedOperationException(
                    "the cuda backend holds float32 tensors only (float64 checks run on the reference backend)");
    }

    @Override
    public Tensor view(Tensor flat, long offset, long... shape) {
        CudaTensor f = of(flat);
        long n = 1;
        for (long s : shape) n *= s;
        if (offset < 0 || offset + n > f.length())
            throw new IllegalArgumentException("view [" + offset + ", " + (offset + n) + ") outside " + f);
        return new CudaTensor(f.block, f.at(offset), shape);
    }

    @Override
    public Tensor rows(Tensor m, int k) {
        CudaTensor t = of(m);
        if (k < 0 || k > t.rows()) throw new IllegalArgumentException(k + " rows of " + t);
        return new CudaTensor(t.block, t.address, new long[] {k, t.cols()});
    }

    @Override
    public Tensor prefix(Tensor flat, long rows, long cols) {
        CudaTensor f = of(flat);
        if (rows * cols > f.length()) throw new IllegalArgumentException(rows + "×" + cols + " prefix of " + f);
        return new CudaTensor(f.block, f.address, new long[] {rows, cols});
    }

    @Override
    public synchronized void fill(Tensor t, double v) {
        CudaTensor x = of(t);
        kernels.args().ptr(x.address).i64(x.length()).f32((float) v);
        kernels.launch("tensor_ops", "fill_f32", grid(x.length(), BLOCK), BLOCK);
    }

    @Override
    public synchronized void copy(Tensor src, Tensor dst) {
        sameLength(src, dst);
        mem.copy(of(src).address, of(dst).address, 4 * src.length());
    }

    @Override
    public synchronized void addInPlace(Tensor dst, Tensor src) {
        sameLength(src, dst);
        kernels.args().ptr(of(dst).address).ptr(of(src).address).i64(dst.length());
        kernels.launch("tensor_ops", "add_f32", grid(dst.length(), BLOCK), BLOCK);
    }

    @Override
    public synchronized void scale(Tensor t, double s) {
        kernels.args().ptr(of(t).address).i64(t.length()).f32((float) s);
        kernels.launch("tensor_ops", "scale_f32", grid(t.length(), BLOCK), BLOCK);
    }

    @Override
    public synchronized double norm2(Tensor t) {
        return Math.sqrt(sumOfSquares(of(t).address, t.length()));
    }

    /** ‖x‖² by the two-pass ordered reduction (adamw.cu). */
    private double sumOfSquares(long x, long n) {
        long scratch = mem.floatScratch(partials + 1);
        kernels.args().ptr(x).i64(n).ptr(scratch);
        kernels.launch("adamw", "grad_norm_partials", partials, BLOCK);
        return sumOnDevice(scratch, partials, scratch + 4L * partials);
    }

    /** Σ values[0..count) by one block in a fixed order, read back to the host. */
    private double sumOnDevice(long values, int count, long out) {
        kernels.args().ptr(values).i32(count).ptr(out);
        kernels.launch("adamw", "sum_partials", 1, BLOCK);
        float[] r = new float[1];
        mem.toHost(out, r, 1);
        return r[0];
    }

    private static void sameLength(Tensor a, Tensor b) {
        if (a.length() != b.length()) throw new IllegalArgumentException("lengths differ: " + a + " and " + b);
    }

    // ---- host transfers ----
    @Override
    public synchronized double[] toHost(Tensor t) {
        double[] out = new double[n(t)];
        toHost(t, out);
        return out;
    }

    @Override
    public synchronized void toHost(Tensor t, double[] out) {
        // per decoded token (the logits row): a staging array kept between calls, not a new one each time
        int n = n(t);
        if (hostStaging.length < n) hostStaging = new float[n];
        mem.toHost(of(t).address, hostStaging, n);
        for (int i = 0; i < n; i++) out[i] = hostStaging[i];
    }

    @Override
    public synchronized float[] toHostF32(Tensor t) {
        float[] out = new float[n(t)];
        mem.toHost(of(t).address, out, out.length);
        return out;
    }

    @Override
    public synchronized void fromHost(Tensor t, double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) values[i];
        fromHostF32(t, f);
    }

    @Override
    public synchronized void fromHostF32(Tensor t, float[] values) {
        if (values.length != t.length()) throw new IllegalArgumentException(values.length + " values for " + t);
        mem.fromHost(values, of(t).address, values.length);
    }

    // ---- kernels: GEMMs ----
    @Override
    public synchronized void matmul(
            Tensor a, Tensor b, Tensor c, boolean transA, boolean transB, double alpha, double beta) {
        CudaTensor ta = of(a), tb = of(b), tc = of(c);
        int m = tc.rows(), n = tc.cols(), k = transA ? ta.rows() : ta.cols();
        int am = transA ? ta.cols() : ta.rows(),
                bk = transB ? tb.cols() : tb.rows(),
                bn = transB ? tb.rows() : tb.cols();
        if (am != m || bk != k || bn != n)
            throw new IllegalArgumentException("matmul shapes: op(" + ta + ")·op(" + tb + ") into " + tc);
        gemm.gemm(ta.address, tb.address, tc.address, m, n, k, transA, transB, (float) alpha, (float) beta);
    }

    @Override
    public synchronized void linearForward(Tensor x, Tensor w, Tensor b, Tensor y) {
        boolean bias = startWithBias(y, b);
        matmul(x, w, y, false, false, 1.0, bias ? 1.0 : 0.0);
    }

    /** y's rows = b (the GEMM then adds with β = 1); false when there is no bias. */
    private boolean startWithBias(Tensor y, Tensor b) {
        if (b == null) return false;
        CudaTensor ty = of(y);
        kernels.args().ptr(ty.address).ptr(of(b).address).i64(ty.rows()).i32(ty.cols());
        kernels.launch("tensor_ops", "bias_rows", grid(ty.length(), BLOCK), BLOCK);
        return true;
    }

    @Override
    public synchronized void linearBackward(
            Tensor dy, Tensor x, Tensor w, Tensor dx, Tensor dw, Tensor db, Tensor ones) {
        if (dx != null) matmul(dy, w, dx, false, true, 1.0, 0.0);
        matmul(x, dy, dw, true, false, 1.0, 1.0);
        if (db != null) biasGrad(dy, db, ones);
    }

    /** db += Σ_rows dy as the GEMM ones [1, n]·dy. */
    private void biasGrad(Tensor dy, Tensor db, Tensor ones) {
        CudaTensor tdy = of(dy);
        gemm.gemm(of(ones).address, tdy.address, of(db).address, 1, tdy.cols(), tdy.rows(), false, false, 1f, 1f);
    }

    @Override
    public synchronized void inRankForward(Tensor x, Tensor aK, Tensor btK, Tensor b, Tensor h, Tensor y) {
        matmul(x, aK, h, false, true, 1.0, 0.0);
        boolean bias = startWithBias(y, b);
        matmul(h, btK, y, false, false, 1.0, bias ? 1.0 : 0.0);
    }

    @Override
    public synchronized void inRankBackward(
            Tensor dy,
            Tensor x,
            Tensor aK,
            Tensor btK,
            Tensor h,
            Tensor dh,
            Tensor dx,
            Tensor daK,
            Tensor dbtK,
            Tensor db,
            Tensor ones) {
        matmul(h, dy, dbtK, true, false, 1.0, 1.0);
        matmul(dy, btK, dh, false, true, 1.0, 0.0);
        matmul(dh, x, daK, true, false, 1.0, 1.0);
        if (dx != null) matmul(dh, aK, dx, false, false, 1.0, 0.0);
        if (db != null) biasGrad(dy, db, ones);
    }

    // ---- kernels: the rest ----
    @Override
    public synchronized void embeddingForward(int[] ids, int seq, Tensor wte, Tensor wpe, Tensor x) {
        CudaTensor tx = of(x);
        int n = tx.rows(), c = tx.cols();
        long dIds = mem.uploadInts(ids, n, 0);
        kernels.args()
                .ptr(dIds)
                .ptr(of(wte).address)
                .ptr(of(wpe).address)
                .ptr(tx.address)
                .i32(n)
                .i32(seq)
                .i32(c);
        kernels.launch("embedding", "embedding_forward", grid((long) n * c, BLOCK), BLOCK);
    }

    @Override
    public synchronized void embeddingBackward(Tensor dx, int[] ids, int seq, Tensor dwte, Tensor dwpe) {
        CudaTensor tdx = of(dx), te = of(dwte);
        int n = tdx.rows(), c = tdx.cols();
        kernels.args()
                .ptr(tdx.address)
                .ptr(of(dwpe).address)
                .i32(n / seq)
                .i32(seq)
                .i32(c);
        kernels.launch("embedding", "embedding_backward_positions", grid((long) seq * c, BLOCK), BLOCK);
        if (buckets == null || buckets.vocab() != te.rows() || buckets.maxRows() < n)
            buckets = new EmbeddingBuckets(te.rows(), n);
        int u = buckets.build(ids, n);
        // one upload: tokens [u] | offsets [u + 1] | rows [n]
        int[] p = packing(2 * u + 1 + n);
        System.arraycopy(buckets.tokens(), 0, p, 0, u);
        System.arraycopy(buckets.offsets(), 0, p, u, u + 1);
        System.arraycopy(buckets.rows(), 0, p, 2 * u + 1, n);
        long d = mem.uploadInts(p, 2 * u + 1 + n, 0);
        kernels.args()
                .ptr(tdx.address)
                .ptr(d)
                .ptr(d + 4L * u)
                .ptr(d + 4L * (2 * u + 1))
                .ptr(te.address)
                .i32(c);
        kernels.launch("embedding", "embedding_backward_tokens", grid(c, BLOCK), u, BLOCK, 0);
    }

    @Override
    public synchronized void embeddingRows(int[] tokens, int[] positions, int n, Tensor wte, Tensor wpe, Tensor x) {
        if (n == 0) return;
        int c = of(x).cols();
        long d = uploadPair(tokens, positions, n);
        kernels.args()
                .ptr(d)
                .ptr(d + 4L * n)
                .ptr(of(wte).address)
                .ptr(of(wpe).address)
                .ptr(of(x).address)
                .i32(n)
                .i32(c);
        kernels.launch("embedding", "embedding_rows", grid((long) n * c, BLOCK), BLOCK);
    }

    /** first[0..n) | second[0..n) in one upload. */
    private long uploadPair(int[] first, int[] second, int n) {
        int[] p = packing(2 * n);
        System.arraycopy(first, 0, p, 0, n);
        System.arraycopy(second, 0, p, n, n);
        return mem.uploadInts(p, 2 * n, 0);
    }

    private int[] packing(int n) {
        if (packed.length < n) packed = new int[Math.max(n, 2 * packed.length)];
        return packed;
    }

    @Override
    public synchronized void layerNormForward(
            Tensor x, Tensor gamma, Tensor beta, double eps, Tensor y, Tensor mean, Tensor rstd) {
        CudaTensor tx = of(x);
        int n = tx.rows(), c = tx.cols();
        kernels.args()
                .ptr(tx.address)
                .ptr(of(gamma).address)
                .ptr(of(beta).address)
                .ptr(of(y).address)
                .ptr(of(mean).address)
                .ptr(of(rstd).address)
                .i32(n)
                .i32(c)
                .f32((float) eps);
        kernels.launch("layernorm", "layernorm_forward", LaunchShapes.warpRowsGrid(n), 32 * LaunchShapes.WARPS);
    }

    @Override
    public synchronized void layerNormBackward(
            Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor dx, Tensor dgamma, Tensor dbeta) {
        CudaTensor tx = of(x);
        int n = tx.rows(), c = tx.cols(), chunks = LaunchShapes.layerNormChunks(n);
        long dyA = of(dy).address, meanA = of(mean).address, rstdA = of(rstd).address;
        kernels.args()
                .ptr(dyA)
                .ptr(tx.address)
                .ptr(of(gamma).address)
                .ptr(meanA)
                .ptr(rstdA)
                .ptr(of(dx).address)
                .i32(n)
                .i32(c);
        kernels.launch("layernorm", "layernorm_backward_dx", LaunchShapes.warpRowsGrid(n), 32 * LaunchShapes.WARPS);
        long pg = mem.floatScratch(2L * chunks * c), pb = pg + 4L * chunks * c;
        kernels.args()
                .ptr(dyA)
                .ptr(tx.address)
                .ptr(meanA)
                .ptr(rstdA)
                .ptr(pg)
                .ptr(pb)
                .i32(n)
                .i32(c)
                .i32(LaunchShapes.LN_ROWS_PER_CHUNK);
        kernels.launch("layernorm", "layernorm_param_partials", grid(c, BLOCK), chunks, BLOCK, 0);
        kernels.args()
                .ptr(pg)
                .ptr(pb)
                .ptr(of(dgamma).address)
                .ptr(of(dbeta).address)
                .i32(chunks)
                .i32(c);
        kernels.launch("layernorm", "layernorm_param_reduce", grid(c, BLOCK), BLOCK);
    }

    @Override
    public synchronized void geluForward(Tensor x, Tensor y, boolean tanh) {
        kernels.args().ptr(of(x).address).ptr(of(y).address).i64(x.length()).i32(tanh ? 1 : 0);
        kernels.launch("gelu", "gelu_forward", grid(x.length(), BLOCK), BLOCK);
    }

    @Override
    public synchronized void geluBackward(Tensor dy, Tensor x, Tensor dx, boolean tanh) {
        kernels.args()
                .ptr(of(dy).address)
                .ptr(of(x).address)
                .ptr(of(dx).address)
                .i64(x.length())
                .i32(tanh ? 1 : 0);
        kernels.launch("gelu", "gelu_backward", grid(x.length(), BLOCK), BLOCK);
    }

    /** The call's AttnShape: qkv [B·T, 3C], the dropout key (threshold 0: none). */
    private static GemmAttention.Shape attnShape(
            Tensor qkv, int batch, int heads, double scale, double p, DropoutKey key) {
        CudaTensor t = of(qkv);
        int rows = t.rows(), c = t.cols() / 3, seq = rows / batch;
        if (c % heads != 0 || c / heads > 128)
            throw new IllegalArgumentException(
                    "attention: head width " + c + "/" + heads + " must divide and be ≤ 128");
        long threshold = p > 0 ? DropoutKey.threshold(p) : 0;
        return new GemmAttention.Shape(
                batch,
                seq,
                heads,
                c,
                (float) scale,
                key == null ? 0 : key.seed(),
                key == null ? 0 : key.step(),
                key == null ? 0 : key.tensor(),
                key == null ? 0 : key.firstBlock(),
                threshold,
                (float) (1 / (1 - p)));
    }

    @Override
    public synchronized void attentionForward(
            Tensor qkv, Tensor y, Tensor lse, int batch, int heads, double scale, double dropout, DropoutKey key) {
        GemmAttention.Shape s = attnShape(qkv, batch, heads, scale, dropout, key);
        if (attention != null) {
            attention.forward(of(qkv).address, of(y).address, of(lse).address, s);
            return;
        }
        KernelArgs a = kernels.args().ptr(of(qkv).address).ptr(of(y).address).ptr(of(lse).address);
        s.write(a);
        kernels.launch("attention", "attention_forward", grid((long) of(qkv).rows() * heads, ATTN_BLOCK), ATTN_BLOCK);
    }

    @Override
    public synchronized void attentionBackward(
            Tensor dy,
            Tensor qkv,
            Tensor y,
            Tensor lse,
            Tensor dqkv,
            int batch,
            int heads,
            double scale,
            double dropout,
            DropoutKey key) {
        GemmAttention.Shape s = attnShape(qkv, batch, heads, scale, dropout, key);
        if (attention != null) {
            attention.backward(of(dy).address, of(qkv).address, of(lse).address, of(dqkv).address, s);
            return;
        }
        int g = grid((long) of(qkv).rows() * heads, ATTN_BLOCK);
        for (String kernel : new String[] {"attention_backward_dq", "attention_backward_dkv"}) {
            KernelArgs a = kernels.args()
                    .ptr(of(dy).address)
                    .ptr(of(qkv).address)
                    .ptr(of(y).address)
                    .ptr(of(lse).address)
                    .ptr(of(dqkv).address);
            s.write(a);
            kernels.launch("attention", kernel, g, ATTN_BLOCK);
        }
    }

    @Override
    public synchronized void attendCached(
            Tensor qkv,
            Tensor kCache,
            Tensor vCache,
            int[] slots,
            int[] positions,
            int n,
            int heads,
            double scale,
            Tensor y) {
        if (n == 0) return;
        CudaTensor kc = of(kCache);
        int ctx = (int) kc.size(1), c = (int) kc.size(2);
        long d = uploadPair(slots, positions, n);
        long q = of(qkv).address, k = kc.address, v = of(vCache).address;
        kernels.args()
                .ptr(q)
                .ptr(k)
                .ptr(v)
                .ptr(d)
                .ptr(d + 4L * n)
                .i32(n)
                .i32(ctx)
                .i32(c);
        kernels.launch("decode", "kv_store", grid((long) n * c, BLOCK), BLOCK);
        kernels.args()
                .ptr(q)
                .ptr(k)
                .ptr(v)
                .ptr(d)
                .ptr(d + 4L * n)
                .ptr(of(y).address)
                .i32(n)
                .i32(ctx)
                .i32(c)
                .i32(heads)
                .f32((float) scale);
        kernels.launch("decode", "attend_cached", grid((long) n * heads, ATTN_BLOCK), ATTN_BLOCK);
    }

    @Override
    public synchronized double crossEntropyForward(Tensor logits, int[] targets) {
        CudaTensor t = of(logits);
        int n = t.rows(), v = t.cols();
        long dt = mem.uploadInts(targets, n, 0), losses = mem.floatScratch(n + 1);
        kernels.args().ptr(t.address).ptr(dt).ptr(losses).i32(v);
        kernels.launch("crossentropy", "softmax_xent_forward", n, 1, LaunchShapes.SOFTMAX_BLOCK, 0);
        return sumOnDevice(losses, n, losses + 4L * n) / n;
    }

    @Override
    public synchronized void crossEntropyBackward(Tensor probs, int[] targets, double dloss) {
        CudaTensor t = of(probs);
        int n = t.rows();
        long dt = mem.uploadInts(targets, n, 0);
        // dloss is the gradient of the *mean* loss: each row's share is dloss / n (the emulated device found this
        // missing: every dlogit was n = B·T times too large)
        kernels.args().ptr(t.address).ptr(dt).i32(t.cols()).f32((float) (dloss / n));
        kernels.launch("crossentropy", "softmax_xent_backward", n, 1, BLOCK, 0);
    }

    @Override
    public synchronized void dropoutForward(Tensor x, Tensor y, double p, DropoutKey key) {
        if (p == 0) {
            copy(x, y);
            return;
        }
        sameLength(x, y);
        kernels.args()
                .ptr(of(x).address)
                .ptr(of(y).address)
                .i64(x.length())
                .i64(key.seed())
                .i64(key.step())
                .i32(key.tensor())
                .i32(key.firstBlock())
                .i64(DropoutKey.threshold(p))
                .f32((float) (1 / (1 - p)));
        kernels.launch("dropout", "dropout_forward", LaunchShapes.dropoutGrid(x.length()), BLOCK);
    }

    @Override
    public synchronized void residualDropoutForward(
            Tensor residual, Tensor branch, Tensor out, double p, DropoutKey key) {
        sameLength(residual, branch);
        sameLength(residual, out);
        // p = 0: threshold 0 keeps every element at scale 1, so the same kernel adds the branch
        kernels.args()
                .ptr(of(residual).address)
                .ptr(of(branch).address)
                .ptr(of(out).address)
                .i64(out.length())
                .i64(key == null ? 0 : key.seed())
                .i64(key == null ? 0 : key.step())
                .i32(key == null ? 0 : key.tensor())
                .i32(key == null ? 0 : key.firstBlock())
                .i64(p > 0 ? DropoutKey.threshold(p) : 0)
                .f32((float) (1 / (1 - p)));
        kernels.launch("dropout", "residual_dropout_forward", LaunchShapes.dropoutGrid(out.length()), BLOCK);
    }

    @Override
    public synchronized void dropoutBackward(Tensor dy, Tensor dx, double p, DropoutKey key) {
        dropoutForward(dy, dx, p, key);
    }

    @Override
    public synchronized void adamw(
            Tensor values, Tensor grads, Tensor m, Tensor v, List<Segment> segments, AdamWStep step) {
        for (Segment s : segments) {
            double decay = step.decay(s.decay());
            kernels.args()
                    .ptr(of(values).address)
                    .ptr(of(grads).address)
                    .ptr(of(m).address)
                    .ptr(of(v).address)
                    .i64(s.from())
                    .i64(s.to())
                    .f32((float) decay)
                    .adamParams(
                            (float) step.lr(),
                            (float) step.beta1(),
                            (float) step.beta2(),
                            (float) step.oneMinusBeta1(),
                            (float) step.oneMinusBeta2(),
                            (float) step.biasCorrection1(),
                            (float) step.biasCorrection2(),
                            (float) step.eps(),
                            1f);
            kernels.launch("adamw", "adamw_step", grid(s.to() - s.from(), BLOCK), BLOCK);
        }
    }

    // ---- linear algebra ----
    @Override
    public synchronized double[] singularValues(Tensor aK, Tensor btK) {
        return spectra.singularValues(of(aK), of(btK));
    }

    @Override
    public synchronized Tensor[] truncate(Tensor aK, Tensor btK, int r) {
        CudaTensor a = of(aK), bt = of(btK);
        if (r < 1 || r > a.rows()) throw new IllegalArgumentException("rank " + r + " outside 1.." + a.rows());
        CudaTensor na = mem.tensor(new long[] {r, a.cols()}), nb = mem.tensor(new long[] {r, bt.cols()});
        spectra.truncate(a, bt, r, na, nb);
        return new Tensor[] {na, nb};
    }

    // ---- inference layouts: plain copies (cuBLAS takes row-major operands either way) ----
    @Override
    public synchronized Tensor inferenceCopy(Tensor w) {
        CudaTensor c = mem.tensor(w.shape());
        copy(w, c);
        return c;
    }

    @Override
    public synchronized Tensor[] inferenceFactors(Tensor aK, Tensor btK) {
        return new Tensor[] {inferenceCopy(aK), inferenceCopy(btK)};
    }

    @Override
    public boolean collectives() {
        return true;
    }

    @Override
    public byte[] newReplicaGroupId() {
        return Collectives.newId();
    }

    /**
     * NCCL on this backend's stream (collectives ordered after the kernels that made their input), the gradients' on a
     * stream of their own ({@link GradientReduction}).
     */
    @Override
    public synchronized ReplicaGroup joinReplicas(byte[] id, int size, int rank) {
        Collectives c = Collectives.join(id, size, rank, mem.stream);
        GradientReduction gradients = new GradientReduction(c, mem, kernels, precision);
        return new ReplicaGroup() {
            @Override
            public int rank() {
                return c.rank();
            }

            @Override
            public int size() {
                return c.size();
            }

            @Override
            public void allReduceAverage(Tensor t) {
                synchronized (CudaBackend.this) {
                    c.allReduceAverage(of(t).address, t.length(), Collectives.Type.FLOAT32);
                }
            }

            @Override
            public void startGradients(Tensor grads, long[] ranges, int count) {
                if (count < 0 || 2L * count > ranges.length)
                    throw new IllegalArgumentException(count + " ranges in an array of " + ranges.length);
                for (int i = 0; i < count; i++)
                    if (ranges[2 * i] < 0
                            || ranges[2 * i + 1] < 0
                            || ranges[2 * i + 1] > grads.length() - ranges[2 * i])
                        throw new IllegalArgumentException("range " + ranges[2 * i] + "+" + ranges[2 * i + 1]
                                + " outside a buffer of " + grads.length());
                synchronized (CudaBackend.this) {
                    gradients.start(of(grads).address, grads.length(), ranges, count);
                }
            }

            @Override
            public void finishGradients() {
                synchronized (CudaBackend.this) {
                    gradients.finish();
                }
            }

            @Override
            public double gradientSeconds() {
                synchronized (CudaBackend.this) {
                    return gradients.seconds();
                }
            }

            @Override
            public double exposedGradientSeconds() {
                synchronized (CudaBackend.this) {
                    return gradients.exposedSeconds();
                }
            }

            @Override
            public void broadcast(Tensor t, int root) {
                synchronized (CudaBackend.this) {
                    c.broadcast(of(t).address, t.length(), Collectives.Type.FLOAT32, root);
                }
            }

            @Override
            public void check() {
                c.check();
            }

            @Override
            public void abort() {
                c.abort();
            }

            @Override
            public void close() {
                synchronized (CudaBackend.this) {
                    gradients.close();
                }
                c.close();
            }
        };
    }

    /** Waits for the stream (benchmarks time whole steps). */
    synchronized void synchronize() {
        mem.sync();
    }
}
