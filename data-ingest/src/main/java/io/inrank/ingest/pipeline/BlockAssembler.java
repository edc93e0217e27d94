package io.inrank.ingest.pipeline;

import io.inrank.ingest.source.Hashing;
import java.security.MessageDigest;

/**
 * Cuts the token stream into blocks as the paper's code does: block i holds tokens[i·L … i·L+L] (L+1 ids; input = the
 * first L, target = the last L), so neighbours share one token; the last partial block is dropped, giving
 * ⌊(N−1)/L⌋ blocks. Also hashes the whole stream (little-endian uint16) for the manifest.
 */
public final class BlockAssembler {

    /** Receives each finished block; {@code ids} is reused after the call returns. */
    public interface BlockConsumer {
        void block(long index, int[] ids);
    }

    private final int blockLength;
    private final int[] block;
    private final BlockConsumer out;
    private final MessageDigest digest = Hashing.sha256();
    private byte[] scratch = new byte[1 << 16];
    private int fill;
    private long tokens;
    private long blocks;

    public BlockAssembler(int blockLength, BlockConsumer out) {
        if (blockLength < 1) throw new IllegalArgumentException("block length must be >= 1");
        this.blockLength = blockLength;
        this.block = new int[blockLength + 1];
        this.out = out;
    }

    public void add(int[] ids, int len) {
        hash(ids, len);
        tokens += len;
        for (int i = 0; i < len; ) {
            int n = Math.min(len - i, block.length - fill);
            System.arraycopy(ids, i, block, fill, n);
            fill += n;
            i += n;
            if (fill == block.length) {
                out.block(blocks++, block);
                block[0] = block[blockLength]; // the next block starts with this block's last token
                fill = 1;
            }
        }
    }

    private void hash(int[] ids, int len) {
        if (scratch.length < 2 * len) scratch = new byte[2 * len];
        for (int i = 0; i < len; i++) {
            scratch[2 * i] = (byte) ids[i];
            scratch[2 * i + 1] = (byte) (ids[i] >>> 8);
        }
        digest.update(scratch, 0, 2 * len);
    }

    public long tokens() {
        return tokens;
    }

    public long blocks() {
        return blocks;
    }

    /** sha256 of the stream so far; call once, at the end. */
    public String tokensSha256() {
        return Hashing.hex(digest.digest());
    }
}
