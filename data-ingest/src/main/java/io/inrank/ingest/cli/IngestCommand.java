package io.inrank.ingest.cli;

import io.inrank.ingest.IngestListener;
import io.inrank.ingest.IngestSettings;
import io.inrank.ingest.Ingestor;
import io.inrank.ingest.download.HubDownloader;
import io.inrank.ingest.source.BadInputException;
import io.inrank.ingest.source.CorpusSource;
import io.inrank.ingest.source.Sources;
import io.inrank.protocol.Messages;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jboss.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./inrank ingest}: a Kubernetes-Job-style command. Exit codes: 0 done (or nothing to do), 1 bad input,
 * 2 usage error, 3 Kafka or other failure. Prometheus metrics are served at /q/metrics while it runs.
 */
@Command(
        name = "ingest",
        mixinStandardHelpOptions = true,
        description = "Tokenize a corpus with GPT-2 BPE and publish fixed-length token blocks and a manifest to Kafka.")
public class IngestCommand implements Callable<Integer> {
    private static final Logger LOG = Logger.getLogger(IngestCommand.class);

    @Option(
            names = "--source",
            defaultValue = Sources.DEFAULT,
            description =
                    "'sotu' (default offline corpus), a WikiText "
                            + "directory or .zip, a parquet directory, a text directory (train.txt, …) or one text file. Default: ${DEFAULT-VALUE}.")
    String source;

    @Option(
            names = "--dataset",
            description = "Dataset name in topic names (inrank.tokens.<dataset>.<split>). "
                    + "Default: sotu for the default corpus, wikitext-103 with --download, else required.")
    String dataset;

    @Option(
            names = "--splits",
            split = ",",
            description = "Splits to ingest (default: all of train, validation, test the source has).")
    List<String> splits = List.of();

    @Option(
            names = "--block-length",
            defaultValue = "1024",
            description = "L: tokens per block input (a block holds L+1 ids). Default ${DEFAULT-VALUE}.")
    int blockLength;

    @Option(names = "--eos", description = "Insert <|endoftext|> between documents (the paper's code does not).")
    boolean eos;

    @Option(names = "--force", description = "Replace splits that are already ingested.")
    boolean force;

    @Option(names = "--threads", defaultValue = "0", description = "Tokenizer threads (default: all cores).")
    int threads;

    @Option(
            names = "--max-mb-per-s",
            defaultValue = "0",
            description = "Throttle reading to this many MB/s (default: no limit).")
    double maxMbPerSecond;

    @Option(
            names = "--replication-factor",
            defaultValue = "-1",
            description = "Replication factor of new topics (default: the broker's).")
    short replicationFactor;

    @Option(
            names = "--cache-dir",
            defaultValue = "${INRANK_CACHE:-${sys:user.home}/.cache/inrank}",
            description =
                    "Where the default corpus and downloads are kept (env INRANK_CACHE; default ${DEFAULT-VALUE}).")
    Path cacheDir;

    @Option(
            names = "--download",
            description =
                    "Fetch WikiText-103 (raw) parquet files from the Hugging Face hub into the cache first, checksums verified.")
    boolean download;

    @Option(
            names = "--hub-url",
            description = "Hub endpoint for --download (default: env HF_ENDPOINT or the public hub).")
    String hubUrl;

    @Option(
            names = "--hub-dataset",
            defaultValue = HubDownloader.WIKITEXT_REPO,
            description = "Hub dataset for --download (default ${DEFAULT-VALUE}).")
    String hubDataset;

    @Option(
            names = "--hub-config",
            defaultValue = HubDownloader.WIKITEXT_103_RAW,
            description = "Dataset config for --download (default ${DEFAULT-VALUE}).")
    String hubConfig;

    @Option(
            names = "--hub-revision",
            defaultValue = "main",
            description = "Revision for --download (default ${DEFAULT-VALUE}).")
    String hubRevision;

    @Option(names = "--no-progress", description = "No progress bar even on a terminal.")
    boolean noProgress;

    @Mixin
    KafkaOptions kafka;

    @Inject
    IngestMetrics metrics;

    @Override
    public Integer call() {
        try {
            String src = source;
            String name = dataset;
            if (download) {
                Path dir = new HubDownloader(hubUrl)
                        .download(
                                hubDataset,
                                hubRevision,
                                hubConfig,
                                cacheDir.resolve("hub").resolve(hubDataset.replace('/', '_')),
                                null);
                System.err.println("downloaded and verified " + hubDataset + "/" + hubConfig + " into " + dir);
                src = dir.toString();
                if (name == null)
                    name = hubConfig.startsWith("wikitext-103")
                            ? "wikitext-103"
                            : hubConfig.replaceAll("[^a-z0-9_-]", "-");
            }
            if (name == null) {
                if (!Sources.DEFAULT.equals(src))
                    throw new BadInputException("--dataset is required with --source " + src);
                name = Sources.DEFAULT;
            }
            IngestSettings settings = new IngestSettings(
                    name,
                    splits,
                    blockLength,
                    eos,
                    force,
                    threads,
                    maxMbPerSecond,
                    replicationFactor > 0 ? Optional.of(replicationFactor) : Optional.empty());
            CorpusSource corpus = Sources.open(src, cacheDir);
            IngestListener listener = metrics.listener(name, !noProgress && System.console() != null);
            var clients = kafka.clients();
            LOG.infof(
                    "ingesting %s as dataset '%s' into %s (block length %d, %d tokenizer threads)",
                    corpus.describe(), name, clients.bootstrap(), blockLength, settings.threads());
            try (Ingestor ingestor = new Ingestor(clients, settings, listener)) {
                for (IngestListener.SplitResult r : ingestor.ingest(corpus)) {
                    System.out.println(Messages.toJson(
                            new Summary(
                                    r.manifest().key(),
                                    r.status().name().toLowerCase(),
                                    r.manifest().blocks(),
                                    r.manifest().tokens(),
                                    r.blocksSent(),
                                    r.resumedFrom(),
                                    Math.round(r.seconds() * 100) / 100.0),
                            false));
                }
            }
            return 0;
        } catch (BadInputException e) {
            metrics.error("bad_input");
            System.err.println("error: " + e.getMessage());
            return 1;
        } catch (picocli.CommandLine.ParameterException e) {
            throw e; // a usage error (exit 2), reported by the command line
        } catch (Exception e) {
            metrics.error("failure");
            LOG.error("ingest failed", e);
            System.err.println("error: " + e);
            return 3;
        }
    }

    /** One JSON line per split on stdout. */
    record Summary(
            String split, String status, long blocks, long tokens, long blocksSent, long resumedFrom, double seconds) {}
}
