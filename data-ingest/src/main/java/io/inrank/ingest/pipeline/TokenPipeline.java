package io.inrank.ingest.pipeline;

import com.knuddels.jtokkit.api.IntArrayList;
import io.inrank.ingest.source.Line;
import io.inrank.ingest.source.LineReader;
import io.inrank.tokenizer.Gpt2Tokenizer;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Tokenizes a split on all cores and keeps order: the calling thread reads lines into chunks of about
 * {@value #CHUNK_CHARS} characters, workers tokenize chunks (each line on its own, as the paper's code does), and the
 * calling thread hands finished chunks to the sink strictly in input order. At most {@code 3 × threads} chunks are in
 * flight, so memory stays bounded whatever the input size.
 */
public final class TokenPipeline implements AutoCloseable {
    static final int CHUNK_CHARS = 1 << 18;
    static final int CHUNK_LINES = 8192;

    /** Receives tokens in stream order, with the input bytes they came from. */
    public interface TokenSink {
        void tokens(int[] ids, int len, long bytesRead) throws IOException;
    }

    private final int threads;
    private final boolean eosBetweenDocuments;
    private final ExecutorService pool;

    public TokenPipeline(int threads, boolean eosBetweenDocuments) {
        this.threads = Math.max(1, threads);
        this.eosBetweenDocuments = eosBetweenDocuments;
        this.pool = Executors.newFixedThreadPool(this.threads, r -> {
            Thread t = new Thread(r, "tokenizer");
            t.setDaemon(true);
            return t;
        });
    }

    public void run(LineReader reader, TokenSink sink) throws IOException {
        ArrayDeque<Future<int[]>> inFlight = new ArrayDeque<>();
        ArrayDeque<Long> bytesAt = new ArrayDeque<>();
        int maxInFlight = 3 * threads;
        boolean textSoFar = false; // any non-blank line before this chunk?
        try {
            while (true) {
                List<Line> chunk = new ArrayList<>();
                int chars = 0;
                Line l;
                while (chars < CHUNK_CHARS && chunk.size() < CHUNK_LINES && (l = reader.next()) != null) {
                    chunk.add(l);
                    chars += l.text().length();
                }
                if (chunk.isEmpty()) break;
                boolean textBefore = textSoFar;
                for (Line x : chunk) textSoFar |= !x.text().isEmpty();
                inFlight.add(pool.submit(() -> tokenize(chunk, textBefore)));
                bytesAt.add(reader.bytesRead());
                if (inFlight.size() >= maxInFlight) drainOne(inFlight, bytesAt, sink);
            }
            while (!inFlight.isEmpty()) drainOne(inFlight, bytesAt, sink);
        } finally {
            for (Future<int[]> f : inFlight) f.cancel(true);
        }
    }

    private static void drainOne(ArrayDeque<Future<int[]>> inFlight, ArrayDeque<Long> bytesAt, TokenSink sink)
            throws IOException {
        int[] ids;
        try {
            ids = inFlight.removeFirst().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IOException(e.getCause());
        }
        sink.tokens(ids, ids.length, bytesAt.removeFirst());
    }

    /** EOS goes before a document start that has text before it in the split: between documents, never first. */
    private int[] tokenize(List<Line> chunk, boolean textBefore) {
        IntArrayList out = new IntArrayList(chunk.size() * 32);
        for (Line line : chunk) {
            if (eosBetweenDocuments && line.documentStart() && textBefore) out.add(Gpt2Tokenizer.EOS);
            if (line.text().isEmpty()) continue;
            textBefore = true;
            IntArrayList ids = Gpt2Tokenizer.encodeToList(line.text());
            for (int k = 0, n = ids.size(); k < n; k++) out.add(ids.get(k));
        }
        return out.toArray();
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
