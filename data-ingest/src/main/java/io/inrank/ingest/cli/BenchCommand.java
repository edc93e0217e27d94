package io.inrank.ingest.cli;

import io.inrank.ingest.IngestListener;
import io.inrank.ingest.IngestSettings;
import io.inrank.ingest.Ingestor;
import io.inrank.ingest.source.CorpusSource;
import io.inrank.ingest.source.Line;
import io.inrank.ingest.source.LineReader;
import io.inrank.ingest.source.PlainTextSource;
import io.inrank.ingest.source.SotuCorpus;
import io.inrank.protocol.Topics;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./inrank bench ingest}: end-to-end ingest throughput (read + tokenize + produce, acks=all) of one text file into
 * a throw-away dataset, as one JSON line. Without --input it builds a file of --size-mb from the default corpus.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks; prints one JSON line.")
public class BenchCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "What to benchmark: ingest.")
    String what;

    @Option(names = "--input", description = "Text file to ingest (default: the default corpus repeated to --size-mb).")
    Path input;

    @Option(
            names = "--size-mb",
            defaultValue = "200",
            description = "Size of the generated input (default ${DEFAULT-VALUE}).")
    int sizeMb;

    @Option(names = "--block-length", defaultValue = "1024")
    int blockLength;

    @Option(names = "--threads", defaultValue = "0", description = "Tokenizer threads (default: all cores).")
    int threads;

    @Option(names = "--keep", description = "Keep the benchmark topic.")
    boolean keep;

    @Option(names = "--cache-dir", defaultValue = "${INRANK_CACHE:-${sys:user.home}/.cache/inrank}")
    Path cacheDir;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        if (!what.equals("ingest")) {
            System.err.println("unknown benchmark '" + what + "' (this module has: ingest)");
            return 2;
        }
        Path file = input != null ? input : generated();
        String dataset = "bench-" + Long.toString(System.currentTimeMillis(), 36);
        IngestSettings settings =
                new IngestSettings(dataset, List.of("train"), blockLength, false, false, threads, 0, Optional.empty());
        CorpusSource corpus = new PlainTextSource(file);
        IngestListener.SplitResult r;
        try (Ingestor ingestor = new Ingestor(kafka.clients(), settings, IngestListener.NONE)) {
            r = ingestor.ingest(corpus).get(0);
        }
        if (!keep) {
            try (var admin = kafka.clients().admin()) {
                admin.deleteTopics(List.of(Topics.tokens(dataset, "train")))
                        .all()
                        .get();
            }
        }
        double mb = r.bytes() / 1e6;
        System.out.printf(
                "{\"bench\":\"ingest\",\"input\":\"%s\",\"mb\":%.1f,\"seconds\":%.2f,\"mb_per_s\":%.2f,"
                        + "\"tokens\":%d,\"tokens_per_s\":%.0f,\"blocks\":%d,\"block_length\":%d,\"threads\":%d,"
                        + "\"compression\":\"%s\",\"cores\":%d}%n",
                file.getFileName(),
                mb,
                r.seconds(),
                mb / r.seconds(),
                r.manifest().tokens(),
                r.manifest().tokens() / r.seconds(),
                r.manifest().blocks(),
                blockLength,
                settings.threads(),
                kafka.compression,
                Runtime.getRuntime().availableProcessors());
        return 0;
    }

    /** The default corpus's train text, repeated until the file reaches --size-mb. */
    private Path generated() throws Exception {
        Path f = cacheDir.resolve("bench-sotu-" + sizeMb + "mb.txt");
        long target = sizeMb * 1_000_000L;
        if (Files.isRegularFile(f) && Files.size(f) >= target) return f;
        SotuCorpus sotu = SotuCorpus.open(cacheDir);
        Path tmp = Files.createTempFile(cacheDir, "bench-", ".txt");
        long written = 0;
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            while (written < target) {
                try (LineReader lr = sotu.split("train").open()) {
                    for (Line l; (l = lr.next()) != null && written < target; ) {
                        String t = l.text().isEmpty() ? "\n" : l.text();
                        w.write(t);
                        written += t.getBytes(StandardCharsets.UTF_8).length;
                    }
                }
            }
        }
        Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return f;
    }
}
