package io.inrank.protocol;

import java.util.List;

/**
 * What data-ingest wrote for one split, published on {@link Topics#DATASETS} under {@code <dataset>/<split>} after the
 * last block. A split is immutable once {@code done}; consumers wait for it.
 *
 * @param blockLength   L: a block holds L+1 token ids (input = first L, target = last L)
 * @param blocks        ⌊(tokens − 1) / L⌋, the number of records on {@code topic}
 * @param tokens        length of the split's whole token stream (the tail that does not fill a block included)
 * @param sources       the input files, each with its size and sha256
 * @param sourcesSha256 sha256 over the sources' names and hashes and the tokenization settings (the split's fingerprint)
 * @param tokensSha256  sha256 of the whole token stream as little-endian uint16
 */
public record DatasetManifest(
        int version,
        String dataset,
        String split,
        String topic,
        int blockLength,
        long blocks,
        long tokens,
        String tokenizer,
        int vocabSize,
        boolean eosBetweenDocuments,
        List<SourceFile> sources,
        String sourcesSha256,
        String tokensSha256,
        long bytes,
        String createdAt,
        boolean done) {

    public static final int VERSION = 1;

    public DatasetManifest {
        Messages.require(version >= 1 && version <= VERSION, "unsupported manifest version " + version);
        Topics.checkName("dataset", dataset);
        Topics.checkName("split", split);
        Messages.require(
                topic != null && topic.equals(Topics.tokens(dataset, split)), "topic does not match dataset/split");
        Messages.require(blockLength >= 1, "blockLength must be >= 1");
        Messages.require(blocks >= 0 && tokens >= 0, "counts must be >= 0");
        Messages.require(
                tokens == 0 ? blocks == 0 : blocks == (tokens - 1) / blockLength, "blocks != (tokens-1)/blockLength");
        Messages.require(tokenizer != null && !tokenizer.isBlank(), "tokenizer missing");
        Messages.require(Messages.isSha256(sourcesSha256), "sourcesSha256 is not a sha256 hex digest");
        Messages.require(
                tokensSha256 == null || Messages.isSha256(tokensSha256), "tokensSha256 is not a sha256 hex digest");
        sources = sources == null ? List.of() : List.copyOf(sources);
    }

    /** One input file (or archive entry) of a split. */
    public record SourceFile(String name, long bytes, String sha256) {
        public SourceFile {
            Messages.require(name != null && !name.isBlank(), "source name missing");
            Messages.require(Messages.isSha256(sha256), "source sha256 is not a sha256 hex digest");
        }
    }

    public String key() {
        return Topics.manifestKey(dataset, split);
    }
}
