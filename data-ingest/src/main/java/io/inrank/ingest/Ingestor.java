package io.inrank.ingest;

import io.inrank.ingest.IngestListener.SplitResult;
import io.inrank.ingest.IngestListener.Status;
import io.inrank.ingest.kafka.KafkaClients;
import io.inrank.ingest.kafka.ManifestStore;
import io.inrank.ingest.kafka.TopicAdmin;
import io.inrank.ingest.pipeline.BlockAssembler;
import io.inrank.ingest.pipeline.TokenPipeline;
import io.inrank.ingest.source.BadInputException;
import io.inrank.ingest.source.CorpusSource;
import io.inrank.ingest.source.Hashing;
import io.inrank.ingest.source.LineReader;
import io.inrank.ingest.source.SourceRef;
import io.inrank.ingest.source.SplitInput;
import io.inrank.protocol.DatasetManifest;
import io.inrank.protocol.TokenBlocks;
import io.inrank.protocol.TopicSpec;
import io.inrank.protocol.Topics;
import io.inrank.tokenizer.Gpt2Tokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.jboss.logging.Logger;

/**
 * Ingests a corpus into Kafka, split by split: tokenize → blocks → {@code inrank.tokens.<dataset>.<split>} → manifest.
 *
 * <p>Exactly once across crashes: every block record carries the split's fingerprint (sha256 of the sources and the
 * settings) in a header and its index as key, on a single-partition topic written by an idempotent producer, so the log
 * is always a prefix 0..k−1 of the block sequence. A re-run with the same fingerprint finds the last block and sends
 * only the rest; one with a different fingerprint (and no finished manifest) starts the topic over. The manifest, with
 * {@code done=true}, is written only after every block is acknowledged; a finished split is never rewritten unless
 * {@code force}.
 */
public final class Ingestor implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Ingestor.class);
    public static final String FINGERPRINT_HEADER = "inrank.fingerprint";

    private final KafkaClients clients;
    private final IngestSettings settings;
    private final IngestListener listener;
    private final Admin admin;
    private final KafkaProducer<byte[], byte[]> producer;
    private final ManifestStore manifests;
    private final Map<Path, String> fileHashes = new HashMap<>();

    public Ingestor(KafkaClients clients, IngestSettings settings, IngestListener listener) {
        this.clients = clients;
        this.settings = settings;
        this.listener = listener == null ? IngestListener.NONE : listener;
        this.admin = clients.admin();
        this.producer = clients.producer();
        this.manifests = new ManifestStore(clients);
    }

    /** Ingests every requested split in order; stops at the first error (finished splits stay finished). */
    public List<SplitResult> ingest(CorpusSource corpus) throws Exception {
        List<String> splits = settings.splits().isEmpty() ? corpus.splits() : settings.splits();
        // Resolve every split first: a missing split is reported before anything is written.
        List<SplitInput> inputs = new ArrayList<>();
        for (String s : splits) inputs.add(corpus.split(s));
        ManifestStore.ensureTopic(admin, settings.replicationFactor());
        List<SplitResult> results = new ArrayList<>();
        for (SplitInput in : inputs) {
            try {
                results.add(ingestSplit(in));
            } catch (Exception e) {
                listener.failed(in.split(), e);
                throw e;
            }
        }
        return results;
    }

    SplitResult ingestSplit(SplitInput in) throws Exception {
        long t0 = System.nanoTime();
        String split = in.split();
        String topic = Topics.tokens(settings.dataset(), split);
        String key = Topics.manifestKey(settings.dataset(), split);

        List<DatasetManifest.SourceFile> sources = new ArrayList<>();
        long sourceBytes = 0;
        for (SourceRef ref : in.sources()) {
            long size = Files.size(ref.file());
            sources.add(new DatasetManifest.SourceFile(ref.name(), size, fileHash(ref.file())));
            sourceBytes += size;
        }
        String fingerprint = fingerprint(sources);

        DatasetManifest existing = manifests.latest(key);
        if (existing != null && existing.done() && !settings.force()) {
            if (existing.sourcesSha256().equals(fingerprint)) {
                LOG.infof(
                        "%s: already ingested from the same sources (%d blocks); nothing to do",
                        key, existing.blocks());
                SplitResult r = new SplitResult(existing, Status.UNCHANGED, 0, existing.blocks(), seconds(t0), 0);
                listener.splitFinished(r);
                return r;
            }
            throw new BadInputException(key + " is already ingested from other sources or settings (fingerprint "
                    + existing.sourcesSha256().substring(0, 12) + "…, now " + fingerprint.substring(0, 12)
                    + "…). A finished split is immutable: use another --dataset name, or --force to replace it.");
        }

        long resumeFrom = prepareTopic(
                Topics.tokensSpec(settings.dataset(), split), fingerprint, existing != null && existing.done());
        listener.splitStarted(split, in.textBytes(), resumeFrom);

        byte[] fp = fingerprint.getBytes(StandardCharsets.UTF_8);
        byte[] codec = TokenBlocks.CODEC.getBytes(StandardCharsets.UTF_8);
        AtomicReference<Exception> sendError = new AtomicReference<>();
        long[] sent = {0};
        BlockAssembler blocks = new BlockAssembler(settings.blockLength(), (index, ids) -> {
            if (index < resumeFrom) return;
            byte[] value = new byte[2 * ids.length];
            TokenBlocks.encode(ids, 0, ids.length, value);
            Header[] headers = {
                new RecordHeader(TokenBlocks.CODEC_HEADER, codec), new RecordHeader(FINGERPRINT_HEADER, fp)
            };
            producer.send(
                    new ProducerRecord<>(topic, 0, TokenBlocks.key(index), value, List.of(headers)), (md, err) -> {
                        if (err != null) sendError.compareAndSet(null, err);
                    });
            sent[0]++;
        });

        long bytes;
        long throttleStart = System.nanoTime();
        try (TokenPipeline pipeline = new TokenPipeline(settings.threads(), settings.eos());
                LineReader reader = in.open()) {
            pipeline.run(reader, (ids, len, bytesRead) -> {
                if (sendError.get() != null)
                    throw new IllegalStateException(
                            "Kafka send failed: " + sendError.get().getMessage(), sendError.get());
                blocks.add(ids, len);
                listener.progress(split, bytesRead, in.textBytes(), blocks.tokens(), sent[0]);
                throttle(bytesRead, throttleStart);
            });
            bytes = reader.bytesRead();
        }
        producer.flush();
        if (sendError.get() != null)
            throw new IllegalStateException(
                    "Kafka send failed: " + sendError.get().getMessage(), sendError.get());

        String where = in.sources().isEmpty() ? split : describe(in.sources().get(0));
        if (blocks.tokens() == 0) throw new BadInputException(where + ": split '" + split + "' is empty (no text)");
        if (blocks.blocks() == 0) {
            throw new BadInputException(where + ": split '" + split + "' has only " + blocks.tokens()
                    + " tokens, fewer than one block of " + (settings.blockLength() + 1) + " (lower --block-length)");
        }
        try (KafkaConsumer<byte[], byte[]> c = clients.reader()) {
            long end = TopicAdmin.endOffset(c, topic);
            if (end != blocks.blocks()) {
                throw new IllegalStateException(topic + " holds " + end + " records but the split has "
                        + blocks.blocks() + " blocks; not marking it done (re-run with --force to rebuild it)");
            }
        }
        DatasetManifest m = new DatasetManifest(
                DatasetManifest.VERSION,
                settings.dataset(),
                split,
                topic,
                settings.blockLength(),
                blocks.blocks(),
                blocks.tokens(),
                Gpt2Tokenizer.NAME,
                Gpt2Tokenizer.VOCAB,
                settings.eos(),
                sources,
                fingerprint,
                blocks.tokensSha256(),
                bytes,
                Instant.now().toString(),
                true);
        manifests.write(producer, m);
        SplitResult r = new SplitResult(
                m, resumeFrom > 0 ? Status.RESUMED : Status.INGESTED, sent[0], resumeFrom, seconds(t0), bytes);
        LOG.infof(
                "%s: %s %d blocks (%d tokens, %d sent%s) in %.1f s",
                key,
                r.status(),
                m.blocks(),
                m.tokens(),
                sent[0],
                resumeFrom > 0 ? ", resumed at block " + resumeFrom : "",
                r.seconds());
        listener.splitFinished(r);
        return r;
    }

    /** Makes the topic ready and returns the first block to send (0, or where an interrupted run stopped). */
    private long prepareTopic(TopicSpec spec, String fingerprint, boolean replacingFinished) throws Exception {
        String topic = spec.name();
        if (!TopicAdmin.exists(admin, topic)) {
            TopicAdmin.ensure(admin, spec, settings.replicationFactor());
            return 0;
        }
        if (settings.force() || replacingFinished) {
            LOG.infof("%s: replacing (force)", topic);
            TopicAdmin.recreate(admin, spec, settings.replicationFactor());
            return 0;
        }
        try (KafkaConsumer<byte[], byte[]> c = clients.reader()) {
            ConsumerRecord<byte[], byte[]> last = TopicAdmin.lastRecord(c, topic);
            if (last == null) return 0;
            Header h = last.headers().lastHeader(FINGERPRINT_HEADER);
            boolean same = h != null && fingerprint.equals(new String(h.value(), StandardCharsets.UTF_8));
            boolean prefix =
                    last.key() != null && last.key().length == 8 && TokenBlocks.blockIndex(last.key()) == last.offset();
            if (same && prefix) {
                LOG.infof("%s: continuing an interrupted ingest after block %d", topic, last.offset());
                return last.offset() + 1;
            }
            LOG.warnf(
                    "%s: discarding %d blocks of an unfinished ingest with %s",
                    topic, last.offset() + 1, same ? "a gap in block order" : "other sources or settings");
        }
        TopicAdmin.recreate(admin, spec, settings.replicationFactor());
        return 0;
    }

    /** The path, or archive!entry, for messages. */
    private static String describe(SourceRef ref) {
        int bang = ref.name().indexOf('!');
        return bang < 0 ? ref.file().toString() : ref.file() + ref.name().substring(bang);
    }

    private String fingerprint(List<DatasetManifest.SourceFile> sources) {
        MessageDigest md = Hashing.sha256();
        StringBuilder sb = new StringBuilder("inrank-ingest/1\n")
                .append(Gpt2Tokenizer.NAME)
                .append('\n')
                .append("block=")
                .append(settings.blockLength())
                .append(" eos=")
                .append(settings.eos())
                .append('\n');
        for (DatasetManifest.SourceFile s : sources)
            sb.append(s.name()).append(' ').append(s.sha256()).append('\n');
        md.update(sb.toString().getBytes(StandardCharsets.UTF_8));
        return Hashing.hex(md.digest());
    }

    private String fileHash(Path f) throws java.io.IOException {
        String h = fileHashes.get(f);
        if (h == null) {
            h = Hashing.sha256(f);
            fileHashes.put(f, h);
        }
        return h;
    }

    private void throttle(long bytesRead, long startNanos) {
        if (settings.maxMbPerSecond() <= 0) return;
        long dueNanos = (long) (bytesRead / (settings.maxMbPerSecond() * 1e6) * 1e9);
        long ahead = dueNanos - (System.nanoTime() - startNanos);
        if (ahead > 0) {
            try {
                Thread.sleep(ahead / 1_000_000, (int) (ahead % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    @Override
    public void close() {
        producer.close();
        admin.close();
    }
}
