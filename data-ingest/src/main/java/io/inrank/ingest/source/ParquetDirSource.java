package io.inrank.ingest.source;

import blue.strategic.parquet.Hydrator;
import blue.strategic.parquet.ParquetReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;

/**
 * A Hugging Face parquet export (e.g. {@code Salesforce/wikitext}): a config directory with
 * {@code <split>-*.parquet} shards (the main branch) or {@code <split>/*.parquet} (the refs/convert/parquet branch),
 * shards sorted by name, column {@code text}, one row per original line. Given the dataset root with a single config
 * directory inside, that directory is used.
 */
public final class ParquetDirSource implements CorpusSource {
    static final String COLUMN = "text";
    private final Path dir;

    public ParquetDirSource(Path dir) {
        this.dir = resolveConfigDir(dir);
    }

    public static boolean looksLike(Path dir) {
        return !parquetFiles(dir).isEmpty() || subdirsWithParquet(dir).size() == 1;
    }

    private static Path resolveConfigDir(Path dir) {
        if (!parquetFiles(dir).isEmpty()) return dir;
        List<Path> subs = subdirsWithParquet(dir);
        if (subs.size() == 1) return subs.get(0);
        if (subs.size() > 1) {
            throw new BadInputException(dir + ": several parquet configs "
                    + subs.stream().map(p -> p.getFileName().toString()).toList() + "; pass the one you want, e.g. "
                    + subs.get(0));
        }
        return dir;
    }

    @Override
    public String describe() {
        return "parquet directory " + dir;
    }

    @Override
    public List<String> splits() {
        return STANDARD_SPLITS;
    }

    @Override
    public SplitInput split(String name) {
        List<Path> shards = new ArrayList<>();
        for (Path f : parquetFiles(dir)) if (f.getFileName().toString().startsWith(name + "-")) shards.add(f);
        if (shards.isEmpty()) shards.addAll(parquetFiles(dir.resolve(name)));
        if (shards.isEmpty()) {
            throw new BadInputException(
                    dir + ": missing split '" + name + "': no " + name + "-*.parquet and no " + name + "/*.parquet");
        }
        shards.sort(null);
        long bytes = 0;
        for (Path s : shards) bytes += textColumnBytes(s);
        return new ParquetSplit(name, List.copyOf(shards), bytes);
    }

    /** Uncompressed size of the text column (≈ its UTF-8 bytes), also the schema check: the column must exist. */
    private static long textColumnBytes(Path shard) {
        ParquetMetadata meta;
        try {
            meta = ParquetReader.readMetadata(shard.toFile());
        } catch (IOException | RuntimeException e) {
            throw new BadInputException(shard + ": not a readable parquet file (" + e.getMessage() + ")");
        }
        MessageType schema = meta.getFileMetaData().getSchema();
        boolean hasText = false;
        for (ColumnDescriptor c : schema.getColumns())
            if (c.getPath().length == 1 && c.getPath()[0].equals(COLUMN)) hasText = true;
        if (!hasText) {
            throw new BadInputException(shard + ": no column '" + COLUMN + "' (columns: "
                    + schema.getColumns().stream()
                            .map(c -> String.join(".", c.getPath()))
                            .toList() + ")");
        }
        long n = 0;
        for (BlockMetaData b : meta.getBlocks()) {
            for (ColumnChunkMetaData c : b.getColumns())
                if (c.getPath().toDotString().equals(COLUMN)) n += c.getTotalUncompressedSize();
        }
        return n;
    }

    private static List<Path> parquetFiles(Path d) {
        if (!Files.isDirectory(d)) return List.of();
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".parquet") && Files.isRegularFile(f))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new BadInputException(d + ": cannot list (" + e.getMessage() + ")");
        }
    }

    private static List<Path> subdirsWithParquet(Path d) {
        if (!Files.isDirectory(d)) return List.of();
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(Files::isDirectory)
                    .filter(sub -> {
                        if (!parquetFiles(sub).isEmpty()) return true;
                        for (String sp : STANDARD_SPLITS)
                            if (!parquetFiles(sub.resolve(sp)).isEmpty()) return true;
                        return false;
                    })
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new BadInputException(d + ": cannot list (" + e.getMessage() + ")");
        }
    }

    /** Rows are already in the HF form ("" or text with '\n'); article titles start documents. */
    private static final class ParquetSplit implements SplitInput {
        private final String split;
        private final List<Path> shards;
        private final long bytes;

        ParquetSplit(String split, List<Path> shards, long bytes) {
            this.split = split;
            this.shards = shards;
            this.bytes = bytes;
        }

        @Override
        public String split() {
            return split;
        }

        @Override
        public List<SourceRef> sources() {
            return shards.stream()
                    .map(s -> new SourceRef(s.getParent().getFileName() + "/" + s.getFileName(), s))
                    .toList();
        }

        @Override
        public long textBytes() {
            return bytes;
        }

        @Override
        public LineReader open() {
            return new RowReader();
        }

        private final class RowReader implements LineReader {
            private int shard = -1;
            private ParquetReader<String[], String, String[]> reader;
            private long row;
            private long bytesRead;
            private final String[] holder = new String[1];

            @Override
            public Line next() throws IOException {
                while (true) {
                    if (reader == null) {
                        if (++shard >= shards.size()) return null;
                        row = 0;
                        try {
                            reader = ParquetReader.spliterator(shards.get(shard).toFile(), TEXT_COLUMN);
                        } catch (IOException | RuntimeException e) {
                            throw new BadInputException(
                                    shards.get(shard) + ": not a readable parquet file (" + e.getMessage() + ")");
                        }
                    }
                    holder[0] = null;
                    boolean more;
                    try {
                        more = reader.tryAdvance(v -> holder[0] = v);
                    } catch (RuntimeException e) {
                        throw new BadInputException(
                                shards.get(shard) + " row " + (row + 1) + ": unreadable (" + e.getMessage() + ")");
                    }
                    if (!more) {
                        reader.close();
                        reader = null;
                        continue;
                    }
                    row++;
                    String text = holder[0] == null ? "" : holder[0];
                    bytesRead += text.length() + 4;
                    if (text.indexOf('\0') >= 0) {
                        throw new BadInputException(
                                shards.get(shard) + " row " + row + ": NUL character in column text");
                    }
                    return new Line(text, WikiText.isArticleTitle(text));
                }
            }

            @Override
            public String location() {
                return shard < 0 || shard >= shards.size()
                        ? split
                        : shards.get(shard).getFileName() + " row " + row;
            }

            @Override
            public long bytesRead() {
                return bytesRead;
            }

            @Override
            public void close() throws IOException {
                if (reader != null) reader.close();
            }
        }
    }

    /** Picks column "text" out of each row (other columns, if any, are ignored). */
    private static final Hydrator<String[], String, String[]> TEXT_COLUMN = new Hydrator<>() {
        @Override
        public String[] start() {
            return new String[1];
        }

        @Override
        public String[] add(String[] target, String[] heading, Object value) {
            if (heading.length == 1 && heading[0].equals(COLUMN)) {
                target[0] = value instanceof Binary b
                        ? b.toStringUsingUTF8()
                        : value instanceof byte[] a
                                ? new String(a, StandardCharsets.UTF_8)
                                : value == null ? null : value.toString();
            }
            return target;
        }

        @Override
        public String finish(String[] target) {
            return target[0];
        }
    };
}
