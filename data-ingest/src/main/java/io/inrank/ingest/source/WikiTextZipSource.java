package io.inrank.ingest.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * One of the official WikiText zip archives ({@code wikitext-103-raw-v1.zip} …), read in place: entries
 * {@code <top>/wiki.{train,valid,test}.{raw,tokens}} are streamed without unpacking.
 */
public final class WikiTextZipSource implements CorpusSource {
    private static final Pattern ENTRY = Pattern.compile("(?:.*/)?wiki\\.(train|valid|test)\\.(raw|tokens)");
    private final Path zip;

    /** The official archives' sha256 (as published with the release): a file with such a name must be that archive. */
    static final Map<String, String> OFFICIAL_SHA256 = Map.of(
            "wikitext-103-v1.zip", "242ba0f20b329cfdf1ccc61e9e9e5b59becf189db7f7a81cd2a0e2fc31539590",
            "wikitext-103-raw-v1.zip", "91c00ae287f0d699e18605c84afc9e45c192bc6b7797ff8837e5474655a33794",
            "wikitext-2-v1.zip", "92675f1d63015c1c8b51f1656a52d5bdbc33aafa60cc47a218a66e7ee817488c",
            "wikitext-2-raw-v1.zip", "ef7edb566e3e2b2d31b29c1fdb0c89a4cc683597484c3dc2517919c615435a11");

    public WikiTextZipSource(Path zip) {
        this.zip = zip;
        String official = OFFICIAL_SHA256.get(zip.getFileName().toString());
        if (official != null) {
            String sha;
            try {
                sha = Hashing.sha256(zip);
            } catch (IOException e) {
                throw new BadInputException(zip + ": cannot read (" + e.getMessage() + ")");
            }
            if (!official.equals(sha)) {
                throw new BadInputException(
                        zip + ": sha256 " + sha + " differs from the official " + zip.getFileName() + " (" + official
                                + "): a damaged or partial download? (rename the file if it is meant to differ)");
            }
        }
    }

    @Override
    public String describe() {
        return "WikiText zip " + zip;
    }

    @Override
    public List<String> splits() {
        return STANDARD_SPLITS;
    }

    @Override
    public SplitInput split(String name) {
        String fileSplit = WikiText.FILE_SPLIT.get(name);
        if (fileSplit == null) throw new BadInputException(describe() + ": unknown split '" + name + "'");
        List<String> all = new ArrayList<>();
        String found = null;
        long size = -1;
        try (ZipFile zf = open()) {
            for (Enumeration<? extends ZipEntry> e = zf.entries(); e.hasMoreElements(); ) {
                ZipEntry en = e.nextElement();
                all.add(en.getName());
                Matcher m = ENTRY.matcher(en.getName());
                // prefer .raw over .tokens if an archive has both
                if (m.matches()
                        && m.group(1).equals(fileSplit)
                        && (found == null || m.group(2).equals("raw"))) {
                    found = en.getName();
                    size = en.getSize();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (found == null) {
            throw new BadInputException(zip + ": no entry wiki." + fileSplit + ".raw or wiki." + fileSplit
                    + ".tokens for split '" + name + "' (entries: "
                    + (all.isEmpty() ? "none" : String.join(", ", all.subList(0, Math.min(all.size(), 10)))) + ")");
        }
        return new ZipSplit(name, found, size);
    }

    private ZipFile open() {
        try {
            return new ZipFile(zip.toFile());
        } catch (IOException e) {
            throw new BadInputException(zip + ": not a readable zip archive (" + e.getMessage() + ")");
        }
    }

    private final class ZipSplit implements SplitInput {
        private final String split;
        private final String entry;
        private final long size;

        ZipSplit(String split, String entry, long size) {
            this.split = split;
            this.entry = entry;
            this.size = size;
        }

        @Override
        public String split() {
            return split;
        }

        @Override
        public List<SourceRef> sources() {
            return List.of(new SourceRef(zip.getFileName() + "!" + entry, zip));
        }

        @Override
        public long textBytes() {
            return Math.max(size, 0);
        }

        @Override
        public LineReader open() throws IOException {
            ZipFile zf = WikiTextZipSource.this.open();
            ZipEntry en = zf.getEntry(entry);
            Utf8LineReader r = new Utf8LineReader(
                    zf.getInputStream(en), zip.getFileName() + "!" + entry, WikiText::isArticleTitle);
            return new LineReader() {
                @Override
                public Line next() throws IOException {
                    try {
                        return r.next();
                    } catch (java.util.zip.ZipException e) {
                        throw new BadInputException(zip + "!" + entry + " near line " + r.location()
                                + ": corrupt zip data (" + e.getMessage() + ")");
                    }
                }

                @Override
                public String location() {
                    return r.location();
                }

                @Override
                public long bytesRead() {
                    return r.bytesRead();
                }

                @Override
                public void close() throws IOException {
                    r.close();
                    zf.close();
                }
            };
        }
    }
}
