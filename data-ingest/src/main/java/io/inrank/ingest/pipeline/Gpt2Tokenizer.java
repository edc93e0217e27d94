package io.inrank.ingest.pipeline;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

/**
 * GPT-2 byte-level BPE via jtokkit's {@code r50k_base} (the same ids as GPT-2's own encoder; checked against known
 * GPT-2 ids in the tests). {@code encodeOrdinary}: the text "&lt;|endoftext|&gt;" inside a line is ordinary
 * text, as in GPT-2's own encoder; the real EOS id is only ever inserted by us. Thread-safe.
 */
public final class Gpt2Tokenizer {
    public static final String NAME = "gpt2-bpe (jtokkit r50k_base, encodeOrdinary, one line at a time)";
    public static final int EOS = 50256;
    public static final int VOCAB = io.inrank.protocol.TokenBlocks.GPT2_VOCAB;

    private static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

    private Gpt2Tokenizer() {}

    public static IntArrayList encode(String text) {
        return ENCODING.encodeOrdinary(text);
    }

    public static String decode(int[] ids) {
        IntArrayList l = new IntArrayList(ids.length);
        for (int id : ids) l.add(id);
        return ENCODING.decode(l);
    }
}
