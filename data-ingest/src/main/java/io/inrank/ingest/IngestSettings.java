package io.inrank.ingest;

import io.inrank.protocol.Topics;
import java.util.List;
import java.util.Optional;

/**
 * One ingest run.
 *
 * @param splits            splits to ingest (empty = every split the corpus has)
 * @param blockLength       L (block = L+1 ids); 1024 as in the paper
 * @param eos               insert &lt;|endoftext|&gt; between documents (the paper's code does not)
 * @param force             replace a finished split
 * @param threads           tokenizer threads (default: all cores)
 * @param maxMbPerSecond    throttle input reading (0 = no limit), to spare a shared broker
 * @param replicationFactor for new topics; empty = the broker's default
 */
public record IngestSettings(
        String dataset,
        List<String> splits,
        int blockLength,
        boolean eos,
        boolean force,
        int threads,
        double maxMbPerSecond,
        Optional<Short> replicationFactor) {
    public IngestSettings {
        Topics.checkName("dataset", dataset);
        splits = splits == null ? List.of() : List.copyOf(splits);
        for (String s : splits) Topics.checkName("split", s);
        if (blockLength < 1 || blockLength > 65_536)
            throw new IllegalArgumentException("block length must be in 1..65536");
        if (threads < 1) threads = Runtime.getRuntime().availableProcessors();
        replicationFactor = replicationFactor == null ? Optional.empty() : replicationFactor;
    }

    public static IngestSettings defaults(String dataset) {
        return new IngestSettings(dataset, List.of(), 1024, false, false, 0, 0, Optional.empty());
    }

    public IngestSettings withBlockLength(int l) {
        return new IngestSettings(dataset, splits, l, eos, force, threads, maxMbPerSecond, replicationFactor);
    }

    public IngestSettings withForce(boolean f) {
        return new IngestSettings(dataset, splits, blockLength, eos, f, threads, maxMbPerSecond, replicationFactor);
    }

    public IngestSettings withEos(boolean e) {
        return new IngestSettings(dataset, splits, blockLength, e, force, threads, maxMbPerSecond, replicationFactor);
    }

    public IngestSettings withSplits(List<String> s) {
        return new IngestSettings(dataset, s, blockLength, eos, force, threads, maxMbPerSecond, replicationFactor);
    }
}
