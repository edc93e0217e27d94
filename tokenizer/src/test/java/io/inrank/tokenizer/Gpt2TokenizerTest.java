package io.inrank.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The ingest's tokenizer gives GPT-2's own ids, and the end-of-text marker in a line stays ordinary text. */
class Gpt2TokenizerTest {
    @Test
    void gpt2IdsAndOrdinaryEndOfText() {
        assertArrayEquals(new int[] {15496, 995}, Gpt2Tokenizer.encode("Hello world")); // GPT-2's encoder
        assertArrayEquals(new int[] {27, 91, 437, 1659, 5239, 91, 29}, Gpt2Tokenizer.encode("<|endoftext|>"));
        assertEquals(
                "Hello world, naïve café!", Gpt2Tokenizer.decode(Gpt2Tokenizer.encode("Hello world, naïve café!")));
    }
}
