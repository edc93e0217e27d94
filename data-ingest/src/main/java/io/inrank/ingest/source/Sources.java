package io.inrank.ingest.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Turns a {@code --source} value into a corpus reader. */
public final class Sources {
    private Sources() {}

    /** The name of the default offline corpus for {@code --source}. */
    public static final String DEFAULT = "sotu";

    /**
     * {@code sotu} (default corpus), a {@code .zip} (WikiText archive), a directory (WikiText files, parquet shards or
     * split text files, detected in that order) or a single text file (train only).
     */
    public static CorpusSource open(String spec, Path cacheDir) throws IOException {
        if (spec == null || spec.isBlank() || spec.equals(DEFAULT)) return SotuCorpus.open(cacheDir);
        Path p = Path.of(spec);
        if (!Files.exists(p)) throw new BadInputException(spec + ": no such file or directory");
        if (Files.isRegularFile(p)) {
            if (p.getFileName().toString().endsWith(".zip")) return new WikiTextZipSource(p);
            if (p.getFileName().toString().endsWith(".parquet")) {
                throw new BadInputException(p + ": pass the directory holding the parquet shards, not one shard");
            }
            return new PlainTextSource(p);
        }
        if (WikiTextDirSource.looksLike(p)) return new WikiTextDirSource(p);
        for (String sub : new String[] {"wikitext-103-raw", "wikitext-103", "wikitext-2-raw", "wikitext-2"}) {
            if (WikiTextDirSource.looksLike(p.resolve(sub))) return new WikiTextDirSource(p.resolve(sub));
        }
        if (ParquetDirSource.looksLike(p)) return new ParquetDirSource(p);
        if (PlainTextSource.looksLike(p)) return new PlainTextSource(p);
        throw new BadInputException(p + ": no corpus found: expected wiki.{train,valid,test}.{raw,tokens}, "
                + "<split>-*.parquet shards, or {train,validation,test}.txt");
    }
}
