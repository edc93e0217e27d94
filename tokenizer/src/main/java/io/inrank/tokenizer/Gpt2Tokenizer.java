package io.inrank.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's byte-level BPE, the one tokenizer of the system: data-ingest encodes corpora with it, the server encodes
 * prompts and decodes completions with it. jtokkit's {@code r50k_base} (the same ids as GPT-2's own encoder; the tests
 * check known GPT-2 ids). {@code encodeOrdinary}: "&lt;|endoftext|&gt;" inside text is ordinary text, as in GPT-2's
 * own encoder, so a prompt or a corpus line cannot forge the EOS id; only our code inserts it. Thread-safe.
 */
public final class Gpt2Tokenizer {
    public static final String NAME = "gpt2-bpe (jtokkit r50k_base, encodeOrdinary, one line at a time)";
    public static final int EOS = 50256;
    /** 50,256 merges + end-of-text; ids on the wire are checked against the same number (protocol TokenBlocks). */
    public static final int VOCAB = 50257;

    private static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

    private Gpt2Tokenizer() {}

    public static int[] encode(String text) {
        return ENCODING.encodeOrdinary(text).toArray();
    }

    /** {@link #encode} as jtokkit's list (the ingest appends to it without a copy). */
    public static IntArrayList encodeToList(String text) {
        return ENCODING.encodeOrdinary(text);
    }

    /** Decoded text; a token sequence that ends inside a multi-byte character decodes with U+FFFD there. */
    public static String decode(int[] ids) {
        return new String(bytes(ids), StandardCharsets.UTF_8);
    }

    /** The UTF-8 bytes the ids stand for (a streamed token may hold part of a character). */
    public static byte[] bytes(int[] ids) {
        IntArrayList l = new IntArrayList(ids.length);
        for (int id : ids) l.add(id);
        return ENCODING.decodeBytes(l);
    }
}
