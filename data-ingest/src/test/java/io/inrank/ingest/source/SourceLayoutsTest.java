package io.inrank.ingest.source;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.ingest.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same text rendered as a WikiText directory, the official zip and HF parquet shards reads back identically. */
public class SourceLayoutsTest {

    @TempDir
    Path tmp;

    public static List<String> rows(CorpusSource c, String split) throws IOException {
        List<String> out = new ArrayList<>();
        try (LineReader r = c.split(split).open()) {
            for (Line l; (l = r.next()) != null; ) out.add(l.text());
        }
        return out;
    }

    @Test
    void dirZipAndParquetGiveTheSameRows() throws IOException {
        Map<String, String> text = Fixtures.splits(11);
        CorpusSource dir =
                Sources.open(Fixtures.writeDir(tmp.resolve("dir"), text).toString(), tmp);
        CorpusSource zip = Sources.open(
                Fixtures.writeZip(tmp.resolve("z/fixture-wikitext-103-raw.zip"), text)
                        .toString(),
                tmp);
        CorpusSource pq =
                Sources.open(Fixtures.writeParquet(tmp.resolve("pq"), text, 3).toString(), tmp);
        assertTrue(pq.describe().contains("wikitext-103-raw-v1"), "descends into the single config dir");
        for (String split : List.of("train", "validation", "test")) {
            List<String> expected = Fixtures.hfRows(text.get(split));
            assertEquals(expected, rows(dir, split), "dir " + split);
            assertEquals(expected, rows(zip, split), "zip " + split);
            assertEquals(expected, rows(pq, split), "parquet " + split);
        }
        assertEquals(3, pq.split("train").sources().size(), "all train shards, sorted");
        assertTrue(pq.split("train").sources().get(0).name().endsWith("train-00000-of-00003.parquet"));
    }

    @Test
    void parquetConvertBranchLayoutWorksToo() throws IOException {
        Path d = tmp.resolve("conv/wikitext-103-raw-v1/train");
        Files.createDirectories(d);
        Fixtures.writeParquetRows(d.resolve("0000.parquet"), List.of(" = A = \n", "", " b \n"), "text");
        Fixtures.writeParquetRows(d.resolve("0001.parquet"), List.of(" c \n"), "text");
        CorpusSource c = Sources.open(tmp.resolve("conv").toString(), tmp);
        assertEquals(List.of(" = A = \n", "", " b \n", " c \n"), rows(c, "train"));
    }

    @Test
    void plainTextLayouts() throws IOException {
        Path d = tmp.resolve("plain");
        Files.createDirectories(d.resolve("test"));
        Files.writeString(d.resolve("train.txt"), "one\n\ntwo\n");
        Files.writeString(d.resolve("valid.txt"), "v\n");
        Files.writeString(d.resolve("test/b.txt"), "b\n");
        Files.writeString(d.resolve("test/a.txt"), "a\n");
        CorpusSource c = Sources.open(d.toString(), tmp);
        assertEquals(List.of("one\n", "", "two\n"), rows(c, "train"));
        assertEquals(List.of("v\n"), rows(c, "validation"));
        assertEquals(List.of("a\n", "b\n"), rows(c, "test"));
        CorpusSource single = Sources.open(d.resolve("train.txt").toString(), tmp);
        assertEquals(List.of("train"), single.splits());
    }

    // ---- bad input: one clear message per kind, naming the file and line / entry ----

    @Test
    void invalidUtf8InADirectoryNamesFileAndLine() throws IOException {
        Map<String, String> text = new HashMap<>(Fixtures.splits(1));
        Path dir = Fixtures.writeDir(tmp.resolve("bad"), text);
        byte[] b = Files.readAllBytes(dir.resolve("wiki.valid.raw"));
        int nl = 0, pos = 0;
        while (nl < 4) if (b[pos++] == '\n') nl++;
        b[pos + 2] = (byte) 0xC3; // start of a 2-byte sequence followed by ASCII: invalid
        Files.write(dir.resolve("wiki.valid.raw"), b);
        var e = assertThrows(BadInputException.class, () -> rows(Sources.open(dir.toString(), tmp), "validation"));
        assertTrue(
                e.getMessage().matches(".*wiki\\.valid\\.raw line 5: invalid UTF-8 \\(byte 0xc3 at column 3\\)"),
                e.getMessage());
    }

    @Test
    void binaryFileIsRefused() throws IOException {
        Path f = tmp.resolve("model.bin");
        byte[] b = new byte[4096];
        new java.util.Random(1).nextBytes(b);
        b[10] = 0;
        b[3] = 'A';
        Files.write(f, b);
        var e = assertThrows(BadInputException.class, () -> rows(Sources.open(f.toString(), tmp), "train"));
        assertTrue(e.getMessage().startsWith(f + " line "), e.getMessage());
    }

    @Test
    void missingSplitNamesWhatWasExpected() throws IOException {
        Path dir = tmp.resolve("nosplit");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("wiki.train.raw"), " a \n");
        var e = assertThrows(
                BadInputException.class, () -> Sources.open(dir.toString(), tmp).split("test"));
        assertEquals(dir + ": missing split 'test': neither wiki.test.raw nor wiki.test.tokens exists", e.getMessage());
    }

    @Test
    void zipWithoutTheExpectedEntriesListsWhatItHas() throws IOException {
        Path zip = tmp.resolve("other.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
            z.putNextEntry(new ZipEntry("data/readme.txt"));
            z.write("hello".getBytes(StandardCharsets.UTF_8));
            z.closeEntry();
        }
        var e = assertThrows(
                BadInputException.class, () -> Sources.open(zip.toString(), tmp).split("train"));
        assertEquals(
                zip + ": no entry wiki.train.raw or wiki.train.tokens for split 'train' (entries: data/readme.txt)",
                e.getMessage());
        Path notZip = tmp.resolve("broken.zip");
        Files.writeString(notZip, "not a zip");
        var e2 = assertThrows(
                BadInputException.class,
                () -> Sources.open(notZip.toString(), tmp).split("train"));
        assertTrue(e2.getMessage().startsWith(notZip + ": not a readable zip archive"), e2.getMessage());
    }

    @Test
    void aFileNamedLikeTheOfficialArchiveMustBeIt() throws IOException {
        Path zip = Fixtures.writeZip(tmp.resolve("dl/wikitext-103-raw-v1.zip"), Fixtures.splits(2));
        var e = assertThrows(BadInputException.class, () -> Sources.open(zip.toString(), tmp));
        assertTrue(e.getMessage().startsWith(zip + ": sha256 "), e.getMessage());
        assertTrue(
                e.getMessage().contains("differs from the official wikitext-103-raw-v1.zip (91c00ae2"), e.getMessage());
    }

    @Test
    void parquetWithoutTextColumnOrNotParquetAtAll() throws IOException {
        Path d = tmp.resolve("pqbad/cfg");
        Files.createDirectories(d);
        Fixtures.writeParquetRows(d.resolve("train-00000-of-00001.parquet"), List.of("x"), "content");
        var e = assertThrows(
                BadInputException.class,
                () -> Sources.open(tmp.resolve("pqbad").toString(), tmp).split("train"));
        assertEquals(
                d.resolve("train-00000-of-00001.parquet") + ": no column 'text' (columns: [content])", e.getMessage());

        Files.writeString(d.resolve("train-00000-of-00001.parquet"), "garbage, not parquet");
        var e2 = assertThrows(
                BadInputException.class,
                () -> Sources.open(tmp.resolve("pqbad").toString(), tmp).split("train"));
        assertTrue(
                e2.getMessage().startsWith(d.resolve("train-00000-of-00001.parquet") + ": not a readable parquet file"),
                e2.getMessage());

        var e3 = assertThrows(
                BadInputException.class,
                () -> Sources.open(tmp.resolve("pqbad").toString(), tmp).split("test"));
        assertEquals(d + ": missing split 'test': no test-*.parquet and no test/*.parquet", e3.getMessage());
    }

    @Test
    void unknownPathsAndLayouts() throws IOException {
        var e = assertThrows(
                BadInputException.class, () -> Sources.open(tmp.resolve("nope").toString(), tmp));
        assertEquals(tmp.resolve("nope") + ": no such file or directory", e.getMessage());
        Path empty = tmp.resolve("emptydir");
        Files.createDirectories(empty);
        var e2 = assertThrows(BadInputException.class, () -> Sources.open(empty.toString(), tmp));
        assertTrue(e2.getMessage().contains("no corpus found"), e2.getMessage());
    }
}
