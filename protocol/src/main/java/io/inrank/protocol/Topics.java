package io.inrank.protocol;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The pipeline's Kafka topics: names and, in {@link #ALL} / {@link #tokensSpec}, their layout ({@link TopicSpec}).
 * Who writes and reads each one: docs/ARCHITECTURE.md.
 */
public final class Topics {
    private Topics() {}

    /** Dataset manifests, key {@code <dataset>/<split>}, compacted. */
    public static final String DATASETS = "inrank.datasets";
    /** Per-layer singular values, trainer → rank-controller, key = run id. */
    public static final String SPECTRA = "inrank.spectra";
    /** Rank decisions, rank-controller → trainer, key = run id. */
    public static final String RANK_DECISIONS = "inrank.rank-decisions";
    /** The rank-controller's own restart state, key = run id, compacted. */
    public static final String RANK_STATE = "inrank.rank-state";
    /** Checkpoint announcements, trainer → inference, key = run id, compacted. */
    public static final String CHECKPOINTS = "inrank.checkpoints";
    /** Records a consumer could not process: original key and bytes plus error headers. */
    public static final String DEAD_LETTER = "inrank.dead-letter";
    /**
     * Data-parallel replicas finding each other: replica 0's NCCL id, key {@code <run>/<group>}, compacted (trainer →
     * trainer).
     */
    public static final String RENDEZVOUS = "inrank.rendezvous";

    /** The fixed topics with their layout; every service creates the ones it uses from these. */
    public static final List<TopicSpec> ALL = List.of(
            TopicSpec.compacted(DATASETS),
            TopicSpec.week(SPECTRA),
            TopicSpec.week(RANK_DECISIONS),
            TopicSpec.compacted(RANK_STATE),
            TopicSpec.compacted(CHECKPOINTS),
            TopicSpec.week(DEAD_LETTER),
            TopicSpec.compacted(RENDEZVOUS));

    /** The layout of a fixed topic by name. */
    public static TopicSpec spec(String name) {
        return ALL.stream()
                .filter(t -> t.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("not a fixed pipeline topic: " + name));
    }

    /** The layout of one split's token topic: one partition (blocks stay in order), kept forever. */
    public static TopicSpec tokensSpec(String dataset, String split) {
        return TopicSpec.forever(tokens(dataset, split));
    }

    private static final String TOKENS_PREFIX = "inrank.tokens.";

    /** Every token topic starts with this: the ingest's create/delete grant is on this prefix ({@link Access}). */
    public static String tokensPrefix() {
        return TOKENS_PREFIX;
    }
    /** Dataset and split names become part of a topic name: Kafka allows [a-zA-Z0-9._-], we keep to lower case. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,99}");

    /** The token-block topic of one split: {@code inrank.tokens.<dataset>.<split>}, one partition, kept forever. */
    public static String tokens(String dataset, String split) {
        return TOKENS_PREFIX + checkName("dataset", dataset) + "." + checkName("split", split);
    }

    /** The manifest key of one split: {@code <dataset>/<split>}. */
    public static String manifestKey(String dataset, String split) {
        return checkName("dataset", dataset) + "/" + checkName("split", split);
    }

    public static String checkName(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " name '" + name
                    + "' is invalid: use 1-100 characters of a-z, 0-9, '_' or '-', starting with a letter or digit");
        }
        return name;
    }
}
