package io.inrank.inference.engine;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.tokenizer.Gpt2Tokenizer;
import org.junit.jupiter.api.Test;

class TextStreamTest {

    @Test
    void multiByteCharactersSplitAcrossTokensAreNeverBroken() {
        String text = "naïve café — 日本語のテキスト 🙂🚀 done";
        int[] ids = Gpt2Tokenizer.encode(text);
        // the premise: some token ends inside a character
        boolean split = false;
        for (int id : ids)
            split |= new String(Gpt2Tokenizer.bytes(new int[] {id}), java.nio.charset.StandardCharsets.UTF_8)
                    .contains("\uFFFD");
        assertTrue(split, "the test text must contain a character that GPT-2 splits across tokens");

        TextStream s = new TextStream();
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            String delta = s.push(id);
            assertFalse(delta.contains("\uFFFD"), "delta '" + delta + "' contains a broken character");
            out.append(delta);
        }
        out.append(s.finish());
        assertEquals(text, out.toString());
    }

    @Test
    void anUnfinishedCharacterAtTheEndIsFlushedAsReplacement() {
        int[] rocket = Gpt2Tokenizer.encode("🚀");
        assertTrue(rocket.length > 1);
        TextStream s = new TextStream();
        assertEquals("", s.push(rocket[0]));
        assertEquals("\uFFFD", s.finish());
    }

    @Test
    void completePrefixHoldsBackOnlyAnIncompleteTail() {
        assertEquals(3, TextStream.completePrefix(new byte[] {'a', 'b', 'c'}));
        assertEquals(1, TextStream.completePrefix(new byte[] {'a', (byte) 0xF0, (byte) 0x9F}));
        assertEquals(
                5, TextStream.completePrefix(new byte[] {'a', (byte) 0xF0, (byte) 0x9F, (byte) 0x9A, (byte) 0x80}));
        assertEquals(
                2,
                TextStream.completePrefix(new byte[] {'a', (byte) 0x80}),
                "a stray continuation byte passes through");
    }
}
