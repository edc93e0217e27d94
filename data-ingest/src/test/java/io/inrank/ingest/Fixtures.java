package io.inrank.ingest;

import blue.strategic.parquet.Dehydrator;
import blue.strategic.parquet.ParquetWriter;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Types;

/**
 * Test corpora written here (no third-party text), rendered into every supported layout: a WikiText directory, the
 * official zip shape, and HF parquet shards. The text has WikiText's features: " = Title = " articles, " = = Section = = "
 * headings, blank lines, Moses-style spacing with " @-@ ", " @,@ ", " @.@ ", and non-ASCII characters.
 */
public final class Fixtures {
    private Fixtures() {}

    private static final String[] WORDS = ("the river valley north station engine harbour council season album road "
                    + "bridge castle island painter village league film song army ship church garden mountain railway school "
                    + "museum tower forest lake record battle market library theatre festival storm winter summer coast "
                    + "was is had were built opened played founded named moved won lost wrote recorded described")
            .split(" ");
    private static final String[] EXTRA = {
        "café", "Zürich", "naïve", "–", "°", "東京", "Ωmega", "1 @,@ 200", "3 @.@ 5", "long @-@ term"
    };

    /** A WikiText-shaped file body (lines end with " \n", blank lines are " \n"), deterministic for a seed. */
    public static String wikiText(int articles, int paragraphsPerArticle, long seed) {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int a = 0; a < articles; a++) {
            sb.append(" \n = ")
                    .append(cap(word(r)))
                    .append(' ')
                    .append(cap(word(r)))
                    .append(" = \n \n");
            for (int p = 0; p < paragraphsPerArticle; p++) {
                if (p > 0 && p % 3 == 0)
                    sb.append(" \n = = ").append(cap(word(r))).append(" = = \n \n");
                sb.append(' ').append(paragraph(r)).append(" \n");
            }
        }
        return sb.toString();
    }

    static String paragraph(Random r) {
        StringBuilder sb = new StringBuilder();
        int sentences = 2 + r.nextInt(4);
        for (int s = 0; s < sentences; s++) {
            if (s > 0) sb.append(' ');
            sb.append(cap(word(r)));
            int n = 5 + r.nextInt(15);
            for (int i = 0; i < n; i++) {
                sb.append(' ').append(r.nextInt(12) == 0 ? EXTRA[r.nextInt(EXTRA.length)] : word(r));
                if (r.nextInt(10) == 0) sb.append(" ,");
            }
            sb.append(" .");
        }
        return sb.toString();
    }

    private static String word(Random r) {
        return WORDS[r.nextInt(WORDS.length)];
    }

    private static String cap(String w) {
        return Character.toUpperCase(w.charAt(0)) + w.substring(1);
    }

    /** The three splits' texts for a small corpus. */
    public static Map<String, String> splits(long seed) {
        return Map.of(
                "train",
                wikiText(12, 9, seed),
                "validation",
                wikiText(3, 6, seed + 1),
                "test",
                wikiText(3, 6, seed + 2));
    }

    static final Map<String, String> FILE_SPLIT = Map.of("train", "train", "validation", "valid", "test", "test");

    public static Path writeDir(Path dir, Map<String, String> splits) throws IOException {
        Files.createDirectories(dir);
        for (var e : splits.entrySet()) {
            Files.writeString(
                    dir.resolve("wiki." + FILE_SPLIT.get(e.getKey()) + ".raw"), e.getValue(), StandardCharsets.UTF_8);
        }
        return dir;
    }

    /** The official archive's shape: {@code wikitext-103-raw/wiki.*.raw}. */
    public static Path writeZip(Path zip, Map<String, String> splits) throws IOException {
        Files.createDirectories(zip.getParent());
        try (OutputStream os = Files.newOutputStream(zip);
                ZipOutputStream z = new ZipOutputStream(os)) {
            z.putNextEntry(new ZipEntry("wikitext-103-raw/"));
            z.closeEntry();
            for (var e : splits.entrySet()) {
                z.putNextEntry(new ZipEntry("wikitext-103-raw/wiki." + FILE_SPLIT.get(e.getKey()) + ".raw"));
                z.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
        }
        return zip;
    }

    /**
     * The HF layout: {@code <root>/wikitext-103-raw-v1/<split>-0000N-of-0000M.parquet}, column text, one row per line,
     * blank lines as "" and other lines keeping '\n'. Train is cut into {@code trainShards} shards.
     */
    public static Path writeParquet(Path root, Map<String, String> splits, int trainShards) throws IOException {
        Path dir = root.resolve("wikitext-103-raw-v1");
        Files.createDirectories(dir);
        for (var e : splits.entrySet()) {
            List<String> rows = hfRows(e.getValue());
            int shards = e.getKey().equals("train") ? trainShards : 1;
            int per = (rows.size() + shards - 1) / shards;
            for (int s = 0; s < shards; s++) {
                Path f = dir.resolve(String.format("%s-%05d-of-%05d.parquet", e.getKey(), s, shards));
                writeParquetRows(
                        f, rows.subList(Math.min(rows.size(), s * per), Math.min(rows.size(), (s + 1) * per)), "text");
            }
        }
        return root;
    }

    public static void writeParquetRows(Path f, List<String> rows, String column) throws IOException {
        MessageType schema = new MessageType(
                "hf",
                Types.required(PrimitiveType.PrimitiveTypeName.BINARY)
                        .as(LogicalTypeAnnotation.stringType())
                        .named(column));
        Dehydrator<String> d = (row, w) -> w.write(column, row);
        try (ParquetWriter<String> w = ParquetWriter.writeFile(schema, f.toFile(), d)) {
            for (String row : rows) w.write(row);
        }
    }

    /** What HF's wikitext script makes of a file: one row per line, whitespace-only lines as "". */
    public static List<String> hfRows(String text) {
        List<String> rows = new ArrayList<>();
        String[] parts = text.split("\n", -1);
        for (int i = 0; i < parts.length; i++) {
            boolean last = i == parts.length - 1;
            if (last && parts[i].isEmpty()) break;
            rows.add(parts[i].isBlank() ? "" : parts[i] + (last ? "" : "\n"));
        }
        return rows;
    }

    private static final Encoding GPT2 = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

    /**
     * The reference token stream, computed independently of the pipeline: single-threaded, straight from the text,
     * one HF row at a time (the paper's code's tokenization).
     */
    public static int[] referenceTokens(String text) {
        IntArrayList all = new IntArrayList();
        for (String row : hfRows(text)) {
            IntArrayList ids = GPT2.encodeOrdinary(row);
            for (int i = 0; i < ids.size(); i++) all.add(ids.get(i));
        }
        return all.toArray();
    }

    /** A second, independent count: jtokkit's counting path, no id lists at all. */
    public static long referenceCount(String text) {
        long n = 0;
        for (String row : hfRows(text)) n += GPT2.countTokensOrdinary(row);
        return n;
    }
}
