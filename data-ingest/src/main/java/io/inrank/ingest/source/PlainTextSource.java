package io.inrank.ingest.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Plain UTF-8 text. Either one file (it becomes the train split) or a directory with, per split, {@code <split>.txt}
 * or a folder {@code <split>/} of {@code *.txt} files read in name order. Each file is one document.
 */
public final class PlainTextSource implements CorpusSource {
    private final Path path;

    public PlainTextSource(Path path) {
        this.path = path;
    }

    public static boolean looksLike(Path dir) {
        for (String s : STANDARD_SPLITS) {
            if (Files.isRegularFile(dir.resolve(s + ".txt")) || Files.isDirectory(dir.resolve(s))) return true;
        }
        return Files.isRegularFile(dir.resolve("valid.txt"));
    }

    @Override
    public String describe() {
        return (Files.isDirectory(path) ? "text directory " : "text file ") + path;
    }

    @Override
    public List<String> splits() {
        if (!Files.isDirectory(path)) return List.of("train");
        return STANDARD_SPLITS;
    }

    @Override
    public SplitInput split(String name) {
        if (!Files.isDirectory(path)) {
            if (!name.equals("train"))
                throw new BadInputException(path + ": a single text file only has a train split");
            if (!Files.isRegularFile(path)) throw new BadInputException(path + ": no such file");
            return new FileSplit(name, List.of(path), null);
        }
        List<Path> candidates = new ArrayList<>(List.of(path.resolve(name + ".txt")));
        if (name.equals("validation")) candidates.add(path.resolve("valid.txt"));
        for (Path f : candidates) if (Files.isRegularFile(f)) return new FileSplit(name, List.of(f), null);
        Path sub = path.resolve(name);
        if (Files.isDirectory(sub)) {
            try (Stream<Path> s = Files.list(sub)) {
                List<Path> files = s.filter(f -> f.getFileName().toString().endsWith(".txt"))
                        .sorted()
                        .toList();
                if (files.isEmpty()) throw new BadInputException(sub + ": split '" + name + "' has no .txt files");
                return new FileSplit(name, files, null);
            } catch (IOException e) {
                throw new BadInputException(sub + ": cannot list (" + e.getMessage() + ")");
            }
        }
        throw new BadInputException(
                path + ": missing split '" + name + "': expected " + name + ".txt or " + name + "/*.txt");
    }
}
