package io.inrank.ingest.source;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The default corpus, fetched for real with npm into the shared cache (~/.cache/inrank or $INRANK_CACHE). */
class SotuCorpusTest {

    static Path cache() {
        String env = System.getenv("INRANK_CACHE");
        return env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "inrank");
    }

    @Test
    void renderingMakesWikiTextShapedArticles() {
        List<String> out = new ArrayList<>();
        String text =
                "Fellow-Citizens: We met. [Applause] It was good. Then \u0002more! \"Yes.\" Another one? Six. Seven.";
        SotuCorpus.render("1790_george_washington_n", text, out);
        assertEquals(" = 1790 George Washington = \n", out.get(0));
        assertEquals("", out.get(1));
        assertEquals("Fellow-Citizens: We met. It was good. Then more! \"Yes.\" Another one?\n", out.get(2));
        assertEquals("Six. Seven.\n", out.get(3));
        assertEquals(4, out.size());
    }

    @Test
    void defaultCorpusSplitsDeterministically() throws IOException {
        CorpusSource c = Sources.open(Sources.DEFAULT, cache());
        int[] titles = new int[3];
        long[] chars = new long[3];
        for (int s = 0; s < 3; s++) {
            try (LineReader r = c.split(CorpusSource.STANDARD_SPLITS.get(s)).open()) {
                for (Line l; (l = r.next()) != null; ) {
                    if (l.documentStart()) titles[s]++;
                    chars[s] += l.text().length();
                    assertFalse(l.text().contains("[Applause]"), l.text());
                }
            }
        }
        assertArrayEquals(new int[] {211, 11, 11}, titles, "addresses per split (233 in all)");
        assertTrue(chars[0] > 9_000_000, "train holds most of the 10.8 MB");
        // the first validation address is the 19th in year order
        try (LineReader r = c.split("validation").open()) {
            assertTrue(r.next().text().startsWith(" = 1808 "), "index 18 in year order");
        }
    }
}
