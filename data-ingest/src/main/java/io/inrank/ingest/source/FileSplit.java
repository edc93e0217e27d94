package io.inrank.ingest.source;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

/** A split made of plain UTF-8 files read in order; each file may also start a document. */
final class FileSplit implements SplitInput {
    private final String split;
    private final List<Path> files;
    private final Predicate<String> documentStart;

    /** @param documentStart null: each file is one document */
    FileSplit(String split, List<Path> files, Predicate<String> documentStart) {
        this.split = split;
        this.files = List.copyOf(files);
        this.documentStart = documentStart;
    }

    @Override
    public String split() {
        return split;
    }

    @Override
    public List<SourceRef> sources() {
        return files.stream()
                .map(f -> new SourceRef(f.getFileName().toString(), f))
                .toList();
    }

    @Override
    public long textBytes() {
        long n = 0;
        for (Path f : files) {
            try {
                n += Files.size(f);
            } catch (IOException e) {
                throw new BadInputException(f + ": cannot read (" + e.getMessage() + ")");
            }
        }
        return n;
    }

    @Override
    public LineReader open() throws IOException {
        return new MultiFileReader();
    }

    /** Reads the files one after another, each with its own line numbers. */
    private final class MultiFileReader implements LineReader {
        private final Iterator<Path> next = files.iterator();
        private Utf8LineReader current;
        private long doneBytes;

        @Override
        public Line next() throws IOException {
            while (true) {
                if (current == null) {
                    if (!next.hasNext()) return null;
                    Path f = next.next();
                    InputStream in;
                    try {
                        in = Files.newInputStream(f);
                    } catch (IOException e) {
                        throw new BadInputException(f + ": cannot open (" + e.getMessage() + ")");
                    }
                    current = new Utf8LineReader(in, f.toString(), documentStart);
                }
                Line l = current.next();
                if (l != null) return l;
                doneBytes += current.bytesRead();
                current.close();
                current = null;
            }
        }

        @Override
        public String location() {
            return current == null ? split : current.location();
        }

        @Override
        public long bytesRead() {
            return doneBytes + (current == null ? 0 : current.bytesRead());
        }

        @Override
        public void close() throws IOException {
            if (current != null) current.close();
        }
    }
}
