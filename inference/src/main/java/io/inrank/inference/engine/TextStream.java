package io.inrank.inference.engine;

import io.inrank.tokenizer.Gpt2Tokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Token ids in, text out, never a broken character: GPT-2's byte-level BPE can end a token in the middle of a
 * multi-byte UTF-8 character (an emoji often spans two or three tokens). The bytes of an incomplete character are held
 * back until the token that completes it arrives; {@link #finish} flushes what is left (an unfinished character then
 * becomes U+FFFD, as any decoder would show it).
 */
public final class TextStream {
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final int[] one = new int[1];

    /** @return the text completed by this token (possibly empty) */
    public String push(int token) {
        one[0] = token;
        pending.writeBytes(Gpt2Tokenizer.bytes(one));
        byte[] b = pending.toByteArray();
        int complete = completePrefix(b);
        if (complete == 0) return "";
        String out = new String(b, 0, complete, StandardCharsets.UTF_8);
        pending.reset();
        pending.write(b, complete, b.length - complete);
        return out;
    }

    /** Whatever is still held back (an unfinished character decodes as U+FFFD). */
    public String finish() {
        String out = pending.size() == 0 ? "" : pending.toString(StandardCharsets.UTF_8);
        pending.reset();
        return out;
    }

    /**
     * Length of the longest prefix that does not end inside a character: only a trailing, still-incomplete sequence
     * (a lead byte followed by fewer continuation bytes than it announces) is held back; invalid bytes pass through.
     */
    static int completePrefix(byte[] b) {
        int n = b.length;
        for (int back = 1; back <= Math.min(3, n); back++) {
            int c = b[n - back] & 0xff;
            if ((c & 0xC0) == 0x80) continue; // continuation byte: look further back for the lead
            int need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
            return need > back ? n - back : n; // lead byte whose sequence is not complete yet
        }
        return n;
    }
}
