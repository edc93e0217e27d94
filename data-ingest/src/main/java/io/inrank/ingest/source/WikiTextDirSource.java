package io.inrank.ingest.source;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * An unpacked WikiText directory: {@code wiki.{train,valid,test}.raw} (preferred: the paper trains on the raw variant)
 * or {@code wiki.*.tokens}.
 */
public final class WikiTextDirSource implements CorpusSource {
    private final Path dir;

    public WikiTextDirSource(Path dir) {
        this.dir = dir;
    }

    /** True if the directory holds at least one WikiText split file. */
    public static boolean looksLike(Path dir) {
        for (String s : WikiText.FILE_SPLIT.values()) {
            if (Files.isRegularFile(dir.resolve("wiki." + s + ".raw"))
                    || Files.isRegularFile(dir.resolve("wiki." + s + ".tokens"))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String describe() {
        return "WikiText directory " + dir;
    }

    @Override
    public List<String> splits() {
        return STANDARD_SPLITS;
    }

    @Override
    public SplitInput split(String name) {
        String fileSplit = WikiText.FILE_SPLIT.get(name);
        if (fileSplit == null)
            throw new BadInputException(describe() + ": unknown split '" + name + "' (train, validation, test)");
        for (String ext : List.of("raw", "tokens")) {
            Path f = dir.resolve("wiki." + fileSplit + "." + ext);
            if (Files.isRegularFile(f)) return new FileSplit(name, List.of(f), WikiText::isArticleTitle);
        }
        throw new BadInputException(dir + ": missing split '" + name + "': neither wiki." + fileSplit + ".raw nor wiki."
                + fileSplit + ".tokens exists");
    }
}
