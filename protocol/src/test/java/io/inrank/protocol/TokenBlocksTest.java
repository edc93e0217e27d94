package io.inrank.protocol;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class TokenBlocksTest {

    @Test
    void roundTripsEveryGpt2IdAsLittleEndianUint16() {
        int[] ids = new int[TokenBlocks.GPT2_VOCAB];
        for (int i = 0; i < ids.length; i++) ids[i] = i;
        byte[] bytes = TokenBlocks.encode(ids);
        assertEquals(2 * ids.length, bytes.length);
        // little-endian: id 50256 = 0xC450 -> 0x50, 0xC4
        assertEquals((byte) 0x50, bytes[2 * 50256]);
        assertEquals((byte) 0xC4, bytes[2 * 50256 + 1]);
        assertArrayEquals(ids, TokenBlocks.decode(bytes, ids.length, TokenBlocks.GPT2_VOCAB));
    }

    @Test
    void randomBlocksRoundTrip() {
        Random rnd = new Random(7);
        for (int t = 0; t < 100; t++) {
            int[] ids =
                    rnd.ints(1 + rnd.nextInt(2000), 0, TokenBlocks.GPT2_VOCAB).toArray();
            assertArrayEquals(ids, TokenBlocks.decode(TokenBlocks.encode(ids), -1, TokenBlocks.GPT2_VOCAB));
        }
    }

    @Test
    void malformedBlocksAreTypedErrors() {
        assertThrows(MalformedRecordException.class, () -> TokenBlocks.decode(null, -1, 50257));
        assertThrows(MalformedRecordException.class, () -> TokenBlocks.decode(new byte[0], -1, 50257));
        assertThrows(MalformedRecordException.class, () -> TokenBlocks.decode(new byte[3], -1, 50257));
        assertThrows(MalformedRecordException.class, () -> TokenBlocks.decode(new byte[8], 5, 50257));
        var e = assertThrows(
                MalformedRecordException.class,
                () -> TokenBlocks.decode(new byte[] {(byte) 0xff, (byte) 0xff}, 1, 50257));
        assertTrue(e.getMessage().contains("65535"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TokenBlocks.encode(new int[] {70000}));
    }

    @Test
    void keysAndCodecHeader() {
        assertEquals(123456789012L, TokenBlocks.blockIndex(TokenBlocks.key(123456789012L)));
        assertThrows(MalformedRecordException.class, () -> TokenBlocks.blockIndex(new byte[4]));
        RecordHeaders h = new RecordHeaders();
        assertThrows(MalformedRecordException.class, () -> TokenBlocks.checkCodec(h));
        h.add(TokenBlocks.CODEC_HEADER, "u32be/9".getBytes(StandardCharsets.UTF_8));
        assertThrows(MalformedRecordException.class, () -> TokenBlocks.checkCodec(h));
        h.add(TokenBlocks.CODEC_HEADER, TokenBlocks.CODEC.getBytes(StandardCharsets.UTF_8));
        assertDoesNotThrow(() -> TokenBlocks.checkCodec(h));
    }
}
