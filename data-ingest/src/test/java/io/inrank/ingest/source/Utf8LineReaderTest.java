package io.inrank.ingest.source;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lines as the pipeline sees them: normalised, errors naming file, line and column. */
class Utf8LineReaderTest {

    static List<Line> lines(byte[] bytes) throws IOException {
        List<Line> out = new ArrayList<>();
        try (Utf8LineReader r = new Utf8LineReader(new ByteArrayInputStream(bytes), "f.txt", null)) {
            for (Line l; (l = r.next()) != null; ) out.add(l);
        }
        return out;
    }

    @Test
    void linesAreNormalisedLikeHfRows() throws IOException {
        List<Line> l = lines(" = T = \n \n\t\n body é 東京 \nlast".getBytes(StandardCharsets.UTF_8));
        assertEquals(
                List.of(" = T = \n", "", "", " body é 東京 \n", "last"),
                l.stream().map(Line::text).toList());
        assertTrue(l.get(0).documentStart());
        assertFalse(l.get(3).documentStart());
    }

    @Test
    void longLinesAndCarriageReturnsSurvive() throws IOException {
        String big = "x".repeat(200_000);
        assertEquals(
                List.of(big + "\r\n", "y\n"),
                lines((big + "\r\ny\n").getBytes()).stream().map(Line::text).toList());
    }

    @Test
    void invalidUtf8NamesFileLineAndColumn() {
        byte[] b = "ok\nab\u00e9c\n".getBytes(StandardCharsets.UTF_8);
        byte[] bad = Arrays.copyOf(b, b.length);
        bad[5] = (byte) 0xff; // the first byte of é
        var e = assertThrows(BadInputException.class, () -> lines(bad));
        assertEquals("f.txt line 2: invalid UTF-8 (byte 0xff at column 3)", e.getMessage());
    }

    @Test
    void realReplacementCharacterIsNotAnError() throws IOException {
        assertEquals(
                "a\uFFFDb\n",
                lines("a\uFFFDb\n".getBytes(StandardCharsets.UTF_8)).get(0).text());
    }

    @Test
    void nulByteMeansBinary() {
        var e = assertThrows(
                BadInputException.class,
                () -> lines("text\nPK\u0003\u0004\0\0x\n".getBytes(StandardCharsets.ISO_8859_1)));
        assertTrue(e.getMessage().startsWith("f.txt line 2: NUL byte at column 5"), e.getMessage());
        assertTrue(e.getMessage().contains("binary"), e.getMessage());
    }
}
