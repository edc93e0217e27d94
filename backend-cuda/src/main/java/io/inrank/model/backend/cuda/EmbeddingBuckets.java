package io.inrank.model.backend.cuda;

/**
 * The token embedding's backward without atomics: the rows of a batch grouped by token, so that one thread per column
 * sums each distinct token's rows in a fixed order ({@code embedding_backward_tokens}). Built on the host, where the
 * ids already are, by a counting sort into arrays allocated once per model (O(n + V) per step, no allocation):
 * {@link #tokens()} [U] the distinct ids ascending, {@link #offsets()} [U + 1] where each token's rows start,
 * {@link #rows()} [n] the row indices grouped by token, ascending within a token. Only the first U, U + 1 and n
 * entries are meaningful; they are uploaded as they are.
 */
public final class EmbeddingBuckets {
    private final int vocab;
    private final int[] start, next, tokens, offsets, rows;
    private int distinct;

    /** @param maxRows the largest batch (B·T) */
    public EmbeddingBuckets(int vocab, int maxRows) {
        this.vocab = vocab;
        start = new int[vocab + 1];
        next = new int[vocab];
        tokens = new int[maxRows];
        offsets = new int[maxRows + 1];
        rows = new int[maxRows];
    }

    /** Groups the first n ids; returns U, the number of distinct tokens. */
    public int build(int[] ids, int n) {
        if (n > rows.length) throw new IllegalArgumentException(n + " rows, buckets sized for " + rows.length);
        java.util.Arrays.fill(start, 0);
        for (int i = 0; i < n; i++) {
            int id = ids[i];
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("token id " + id + " at row " + i + " outside [0, " + vocab + ")");
            }
            start[id + 1]++;
        }
        distinct = 0;
        for (int v = 0; v < vocab; v++) {
            if (start[v + 1] > 0) {
                tokens[distinct] = v;
                offsets[distinct++] = start[v]; // start[v] already holds the prefix sum up to v
            }
            start[v + 1] += start[v];
        }
        offsets[distinct] = n;
        System.arraycopy(start, 0, next, 0, vocab);
        for (int i = 0; i < n; i++) rows[next[ids[i]]++] = i; // ascending within a token
        return distinct;
    }

    public int vocab() {
        return vocab;
    }

    /** The most rows one {@link #build} takes. */
    public int maxRows() {
        return rows.length;
    }

    public int distinct() {
        return distinct;
    }

    public int[] tokens() {
        return tokens;
    }

    public int[] offsets() {
        return offsets;
    }

    public int[] rows() {
        return rows;
    }
}
