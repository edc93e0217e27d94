package io.inrank.model.backend.nd4j;

import java.util.function.IntConsumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Products of a few rows (a decode step: 1–16 sequences) with a FLOAT weight, c = a·W or a·Wᵀ, on the
 * {@link RowKernels} Vector-API kernels, split over the {@link WorkerTeam}.
 *
 * <p>Why: decoding is memory-bound for one row, but at eight rows the weight must be used eight times per load.
 * OpenBLAS's GEMM packs the whole weight first (well below memory bandwidth) and GEMV per row streams it eight times
 * (from cache after the first row, see {@link Blas}); both leave most of the FMA units idle. Here, with two or more
 * rows, each block of the weight is first read sequentially into cache (one load per 64-byte line, which the hardware
 * prefetcher streams at full bandwidth; the FMA-dense kernel alone does not keep memory busy) and then used by all
 * rows from cache. Numbers: model/BENCHMARKS.md.
 *
 * <p>Needs {@code --add-modules jdk.incubator.vector}; without it {@link #AVAILABLE} is false and {@link Blas} keeps
 * its GEMV path. {@code -Dinrank.rowKernels=false} turns it off for comparisons.
 */
final class RowProducts {
    private RowProducts() {}

    /** The incubator module is in the boot layer and the vector kernels (products, decode attention, GELU) are not turned off. */
    static final boolean AVAILABLE =
            ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                    && VectorMemory.SUPPORTED
                    && !"false".equals(System.getProperty("inrank.rowKernels"));
    /**
     * Row counts this path takes. One row too for a·Wᵀ, the form {@code BatchDecoder} uses for every product: a
     * sequence must get the same logits alone as in a batch (seeded sampling gives each client its single-client
     * answer), so every decode row runs the same arithmetic, and one row streams contiguous weight rows at least as
     * fast as GEMV. One row of a·W (the single-sequence KvDecoder, on the live weights) stays on GEMV, which streams
     * that layout faster than a strided kernel.
     */
    static final int MIN_ROWS = 1, MAX_ROWS = 16;
    /** A remainder of at least this many rows (beyond whole 8-row tiles) runs as a padded tile, fewer as single rows. */
    private static final int PAD_FROM = 4;
    /** Bytes of weight read into cache per block (per part): well inside a core's L2. */
    private static final int BLOCK_BYTES = 384 << 10;
    /** Weights smaller than this are not split across threads (the hand-off would cost more than it saves). */
    private static final long SPLIT_BYTES = 512 << 10;

    /** Whether c = a·op(b) (α = 1, β = 0) can run here: FLOAT, contiguous, a few rows, byte offsets within an int. */
    static boolean accepts(INDArray a, INDArray b, INDArray c, boolean tb) {
        if (!AVAILABLE
                || a.dataType() != DataType.FLOAT
                || b.dataType() != DataType.FLOAT
                || c.dataType() != DataType.FLOAT) return false;
        long m = a.size(0);
        return m >= (tb ? MIN_ROWS : 2)
                && m <= MAX_ROWS
                && (b.data().offset() + b.length()) * 4 < Integer.MAX_VALUE
                && a.length() * 4 < Integer.MAX_VALUE / 16
                && c.length() * 4 < Integer.MAX_VALUE / 16;
    }

    /**
     * c[m, n] = a[m, k]·b (b [k, n]) or a·bᵀ (tb: b [n, k]); the caller has checked shapes and contiguity. How the work
     * is cut (parts, blocks) depends on the weight only, never on m, and no cut changes any sum's order.
     */
    static void multiply(INDArray a, INDArray b, INDArray c, boolean tb) {
        Job job = Job.PER_THREAD.get();
        job.prepare(a, b, c, tb);
        long bytes = 4L * job.k * job.n;
        int parts = bytes < SPLIT_BYTES ? 1 : WorkerTeam.SHARED.size();
        job.parts = parts;
        try {
            WorkerTeam.SHARED.run(parts, job);
            Flat.copyFromHeap(job.out, 0, c, job.m * job.n);
        } finally {
            job.weight = null;
        }
    }

    /** One product's operands and the calling thread's scratch tiles; also the task each part runs. */
    private static final class Job implements IntConsumer {
        static final ThreadLocal<Job> PER_THREAD = ThreadLocal.withInitial(Job::new);

        float[] in = new float[0], out = new float[0];
        VectorMemory weight;
        int weightOffset, m, k, n, tiles, parts;
        long weightAddress;
        boolean transposed;
        final java.util.concurrent.atomic.AtomicInteger nextBlock = new java.util.concurrent.atomic.AtomicInteger();

        void prepare(INDArray a, INDArray b, INDArray c, boolean tb) {
            m = (int) a.size(0);
            k = (int) a.size(1);
            n = (int) c.size(1);
            tiles = m / 8 + (m % 8 >= PAD_FROM ? 1 : 0);
            transposed = tb;
            nextBlock.set(0);
            int rows = Math.max(m, 8 * tiles);
            if (in.length < rows * k) in = new float[rows * k];
            if (out.length < rows * n) out = new float[rows * n];
            Flat.copyToHeap(a, in, m * k);
            java.util.Arrays.fill(in, m * k, rows * k, 0f); // padding rows: zeros, never denormal garbage
            weight = VectorMemory.of(b);
            weightOffset = Math.toIntExact(Flat.byteOffset(b));
            weightAddress = Flat.baseAddress(weight.bytes()) + weightOffset;
        }

        @Override
        public void accept(int part) {
            if (transposed) transposedPart(part);
            else plainPart(part);
        }

        /**
         * c = a·W (two or more rows: one row of this layout stays on GEMV): this part's columns, W's rows in blocks;
         * each block is first touched into cache and then serves every tile and single row.
         */
        private void plainPart(int part) {
            int units = n / RowKernels.COLS; // whole register tiles; the last part also takes the ragged columns
            int j0 = RowKernels.COLS * (int) ((long) units * part / parts);
            int j1 = part == parts - 1 ? n : RowKernels.COLS * (int) ((long) units * (part + 1) / parts);
            if (j0 >= j1) return;
            int rowsPerBlock = Math.max(1, BLOCK_BYTES / (4 * (j1 - j0)));
            for (int k0 = 0; k0 < k; k0 += rowsPerBlock) {
                int k1 = Math.min(k, k0 + rowsPerBlock);
                for (int r = k0; r < k1; r++) Flat.touch(weightAddress + 4L * ((long) r * n + j0), 4L * (j1 - j0));
                for (int t = 0; t < tiles; t++) {
                    RowKernels.timesW(
                            in, t * 8 * k, k, weight, weightOffset, n, out, t * 8 * n, j0, j1, k0, k1, k0 > 0);
                }
                for (int i = 8 * tiles; i < m; i++) {
                    RowKernels.rowTimesW(in, i * k, weight, weightOffset, n, out, i * n, j0, j1, k0, k1, k0 > 0);
                }
            }
        }

        /**
         * c = a·Wᵀ: blocks of W's rows handed out one at a time to whichever thread is free (a fixed half each
         * leaves one thread waiting whenever the other core is slowed by other work); each block is touched into
         * cache (more than one row) and then used by every tile and single row. With two parts, one takes blocks from
         * the front and the other from the back until they meet: the same balance, but each thread walks memory in
         * one direction instead of every other block, because the memory system wants long runs per core
         * (model/BENCHMARKS.md).
         */
        private void transposedPart(int part) {
            int rowsPerBlock = Math.max(2, BLOCK_BYTES / (4 * k) & ~1), blocks = (n + rowsPerBlock - 1) / rowsPerBlock;
            int own = part == 0 ? 0 : blocks - 1; // the next block of this part when there are two
            for (int taken = nextBlock.getAndIncrement(); taken < blocks; taken = nextBlock.getAndIncrement()) {
                int blk = parts != 2 ? taken : part == 0 ? own++ : own--;
                int b0 = blk * rowsPerBlock, b1 = Math.min(n, b0 + rowsPerBlock);
                if (m > 1) Flat.touch(weightAddress + 4L * b0 * k, 4L * (b1 - b0) * k);
                for (int t = 0; t < tiles; t++)
                    RowKernels.timesWt(in, t * 8 * k, k, weight, weightOffset, n, out, t * 8 * n, b0, b1);
                for (int i = 8 * tiles; i < m; i++)
                    RowKernels.rowTimesWt(in, i * k, k, weight, weightOffset, out, i * n, b0, b1);
            }
        }
    }
}
