package io.inrank.model.generate;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's byte-level BPE for prompts and completions (jtokkit r50k_base: the same ids as GPT-2's encoder). Text is
 * encoded as ordinary text — "&lt;|endoftext|&gt;" typed in a prompt is not the EOS token — as data-ingest does.
 */
public final class Tokenizer {
    public static final int EOS = 50256;
    private static final Encoding GPT2 = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

    private Tokenizer() {}

    public static int[] encode(String text) {
        return GPT2.encodeOrdinary(text).toArray();
    }

    /** Decoded text; a token sequence that ends inside a multi-byte character decodes with U+FFFD there. */
    public static String decode(int[] ids) {
        return new String(bytes(ids), StandardCharsets.UTF_8);
    }

    public static byte[] bytes(int[] ids) {
        IntArrayList l = new IntArrayList(ids.length);
        for (int id : ids) l.add(id);
        return GPT2.decodeBytes(l);
    }
}
