package io.inrank.model.backend.cuda;

/**
 * Grid and block sizes of every launch, as plain arithmetic (tested without a GPU). Each kernel's shape comment in
 * its .cu file says what it expects; these functions produce exactly that. Grid-stride kernels get at most
 * {@link #MAX_GRID} blocks: beyond that a thread loops, and the result does not depend on the grid size.
 */
final class LaunchShapes {
    private LaunchShapes() {}

    /** Threads per block of the elementwise and column kernels. */
    static final int BLOCK = 256;
    /** Rows per block of the warp-per-row kernels (layernorm): 8 warps. */
    static final int WARPS = 8;
    /** Threads per block of the row-per-thread attention kernels. */
    static final int ATTN_BLOCK = 128;
    /** Threads per block of the one-block-per-row softmax. */
    static final int SOFTMAX_BLOCK = 1024;
    /** Cap on grid-stride grids (2^20 blocks of 256 threads cover 2^28 elements per sweep). */
    static final int MAX_GRID = 1 << 20;
    /** Rows per chunk of the layernorm parameter-gradient partials. */
    static final int LN_ROWS_PER_CHUNK = 64;

    /** One x-dimension grid covering {@code work} items with {@code block} threads each (at least 1 block). */
    static int grid(long work, int block) {
        long g = (work + block - 1) / block;
        return (int) Math.max(1, Math.min(g, MAX_GRID));
    }

    /** Blocks for a warp-per-row kernel over n rows. */
    static int warpRowsGrid(int n) {
        return Math.max(1, (n + WARPS - 1) / WARPS);
    }

    /** The number of row chunks of the layernorm parameter-gradient pass 1. */
    static int layerNormChunks(int n) {
        return Math.max(1, (n + LN_ROWS_PER_CHUNK - 1) / LN_ROWS_PER_CHUNK);
    }

    /** 4-element Philox blocks of an n-element dropout, then their grid. */
    static int dropoutGrid(long n) {
        return grid((n + 3) / 4, BLOCK);
    }

    /** Partials of the two-pass reductions (gradient norm, loss mean): 2 per SM, at most 1024 (one block sums them). */
    static int reductionPartials(int multiprocessors) {
        return Math.max(1, Math.min(1024, 2 * multiprocessors));
    }
}
