package io.inrank.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The binary token-block codec: a block of L+1 GPT-2 ids as little-endian uint16 (2·(L+1) bytes), the record key is the
 * block index as an 8-byte big-endian long, and the codec id travels in the {@value #CODEC_HEADER} header.
 * uint16 holds every GPT-2 id (vocabulary 50257 &lt; 65536).
 */
public final class TokenBlocks {
    private TokenBlocks() {}

    public static final String CODEC_HEADER = "inrank.codec";
    public static final String CODEC = "u16le/1";
    /** GPT-2's vocabulary size (r50k_base incl. &lt;|endoftext|&gt;). */
    public static final int GPT2_VOCAB = 50257;

    /** Encodes {@code ids[off .. off+len)} into {@code out} (length ≥ 2·len) and returns the byte count. */
    public static int encode(int[] ids, int off, int len, byte[] out) {
        for (int i = 0; i < len; i++) {
            int id = ids[off + i];
            if (id < 0 || id > 0xFFFF) throw new IllegalArgumentException("token id " + id + " does not fit uint16");
            out[2 * i] = (byte) id;
            out[2 * i + 1] = (byte) (id >>> 8);
        }
        return 2 * len;
    }

    public static byte[] encode(int[] ids) {
        byte[] out = new byte[2 * ids.length];
        encode(ids, 0, ids.length, out);
        return out;
    }

    /**
     * Decodes and validates one block.
     *
     * @param expectedLength number of ids the block must hold (L+1), or ≤ 0 to accept any
     * @param vocabSize      ids must be below it
     */
    public static int[] decode(byte[] value, int expectedLength, int vocabSize) {
        if (value == null) throw new MalformedRecordException("token block: null value");
        if ((value.length & 1) != 0) {
            throw new MalformedRecordException(
                    "token block: odd byte length " + value.length + " (uint16 ids expected)");
        }
        int n = value.length / 2;
        if (expectedLength > 0 && n != expectedLength) {
            throw new MalformedRecordException("token block: " + n + " ids, expected " + expectedLength);
        }
        if (n == 0) throw new MalformedRecordException("token block: empty");
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            int id = (value[2 * i] & 0xFF) | (value[2 * i + 1] & 0xFF) << 8;
            if (id >= vocabSize) {
                throw new MalformedRecordException("token block: id " + id + " at position " + i
                        + " is outside the vocabulary (" + vocabSize + ")");
            }
            ids[i] = id;
        }
        return ids;
    }

    /** Checks the codec header; a record without one is refused rather than guessed. */
    public static void checkCodec(Headers headers) {
        Header h = headers == null ? null : headers.lastHeader(CODEC_HEADER);
        if (h == null) throw new MalformedRecordException("token block: missing " + CODEC_HEADER + " header");
        String codec = new String(h.value(), StandardCharsets.UTF_8);
        if (!CODEC.equals(codec)) throw new MalformedRecordException("token block: unsupported codec '" + codec + "'");
    }

    public static byte[] key(long blockIndex) {
        return ByteBuffer.allocate(8).putLong(blockIndex).array();
    }

    public static long blockIndex(byte[] key) {
        if (key == null || key.length != 8) {
            throw new MalformedRecordException("token block: key must be an 8-byte block index, got "
                    + (key == null ? "null" : key.length + " bytes"));
        }
        return ByteBuffer.wrap(key).getLong();
    }
}
