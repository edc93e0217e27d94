package io.inrank.ingest.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.ingest.Fixtures;
import io.inrank.ingest.source.LineReader;
import io.inrank.ingest.source.Utf8LineReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Token blocks: overlap by one token, no partial tail, order kept across threads. */
class TokenPipelineTest {

    @Test
    void blocksOverlapByOneTokenAndDropThePartialTail() {
        for (int n : new int[] {0, 1, 4, 5, 9, 10, 11, 12, 100}) {
            int L = 4;
            int[] stream = IntStream.range(0, n).toArray();
            List<int[]> blocks = new ArrayList<>();
            BlockAssembler a = new BlockAssembler(L, (i, ids) -> {
                assertEquals(blocks.size(), i);
                blocks.add(ids.clone());
            });
            // feed in awkward pieces
            for (int off = 0; off < n; off += 3)
                a.add(Arrays.copyOfRange(stream, off, Math.min(n, off + 3)), Math.min(3, n - off));
            long expected = n == 0 ? 0 : (n - 1) / L;
            assertEquals(expected, blocks.size(), "n=" + n);
            assertEquals(n, a.tokens());
            for (int i = 0; i < blocks.size(); i++) {
                assertArrayEquals(Arrays.copyOfRange(stream, i * L, i * L + L + 1), blocks.get(i), "block " + i);
            }
        }
    }

    @Test
    void pipelineKeepsOrderOnManyThreadsAndAddsEosOnlyBetweenDocuments() throws IOException {
        String text = Fixtures.wikiText(40, 12, 3);
        int[] ref = Fixtures.referenceTokens(text);
        for (int threads : new int[] {1, 2, 4}) {
            assertArrayEquals(ref, run(text, threads, false), "threads=" + threads);
        }
        int[] withEos = run(text, 2, true);
        long eos = Arrays.stream(withEos).filter(t -> t == 50256).count();
        assertEquals(39, eos, "one <|endoftext|> between each pair of the 40 articles");
        assertArrayEquals(ref, Arrays.stream(withEos).filter(t -> t != 50256).toArray());
    }

    private static int[] run(String text, int threads, boolean eos) throws IOException {
        List<Integer> out = new ArrayList<>();
        try (TokenPipeline p = new TokenPipeline(threads, eos);
                LineReader r = new Utf8LineReader(
                        new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)),
                        "x",
                        l -> l.strip().startsWith("= ")
                                && l.strip().endsWith(" =")
                                && !l.strip().startsWith("= ="))) {
            p.run(r, (ids, len, bytes) -> {
                for (int i = 0; i < len; i++) out.add(ids[i]);
            });
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
