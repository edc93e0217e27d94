package io.inrank.ingest.cli;

import io.inrank.ingest.IngestListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prometheus metrics of ingest (served at /q/metrics): inrank_ingest_bytes_total, _tokens_total, _blocks_total,
 * _errors_total{kind}, inrank_ingest_split_progress (0..1), all tagged with dataset and split.
 */
@ApplicationScoped
public class IngestMetrics {

    @Inject
    MeterRegistry registry;

    public IngestListener listener(String dataset, boolean progressBar) {
        for (String kind : new String[] {"bad_input", "failure"})
            errors(kind); // the series exist (at 0) from the start
        ProgressBar bar = progressBar ? new ProgressBar(System.err) : null;
        return new IngestListener() {
            String split;
            long bytes, tokens, blocks;
            AtomicLong permille = new AtomicLong();

            @Override
            public void splitStarted(String s, long textBytes, long resumeFrom) {
                split = s;
                bytes = tokens = blocks = 0;
                permille = new AtomicLong(); // one gauge per split
                if (bar != null) bar.reset();
                registry.gauge(
                        "inrank.ingest.split.progress",
                        io.micrometer.core.instrument.Tags.of("dataset", dataset, "split", s),
                        permille,
                        p -> p.get() / 1000.0);
            }

            @Override
            public void progress(String s, long bytesRead, long textBytes, long tok, long sent) {
                counter("inrank.ingest.bytes", s).increment(bytesRead - bytes);
                counter("inrank.ingest.tokens", s).increment(tok - tokens);
                counter("inrank.ingest.blocks", s).increment(sent - blocks);
                bytes = bytesRead;
                tokens = tok;
                blocks = sent;
                if (textBytes > 0) permille.set(Math.min(1000, bytesRead * 1000 / textBytes));
                if (bar != null) bar.update(s, bytesRead, textBytes, tok);
            }

            @Override
            public void splitFinished(SplitResult r) {
                permille.set(1000);
                if (bar != null) bar.finish();
            }

            @Override
            public void failed(String s, Exception e) {
                if (bar != null) bar.finish();
            }

            private Counter counter(String name, String s) {
                return Counter.builder(name)
                        .tag("dataset", dataset)
                        .tag("split", s)
                        .register(registry);
            }
        };
    }

    public void error(String kind) {
        errors(kind).increment();
    }

    private Counter errors(String kind) {
        return Counter.builder("inrank.ingest.errors").tag("kind", kind).register(registry);
    }
}
