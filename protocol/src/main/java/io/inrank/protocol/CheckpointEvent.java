package io.inrank.protocol;

import java.util.Map;

/**
 * Trainer → inference: a checkpoint was written and verified.
 *
 * @param uri    where the checkpoint directory lives (file:// or s3:// …)
 * @param sha256 sha256 of the checkpoint's state.json (which holds the hashes of the other files)
 * @param stage  1 (rank growing, buffer active) or 2 (fixed rank)
 * @param ranks  current rank per InRank layer
 * @param eval   evaluation numbers at this step, e.g. val_loss, val_ppl, test_ppl; may be empty
 */
public record CheckpointEvent(
        int version,
        String run,
        long step,
        String uri,
        String sha256,
        int stage,
        String preset,
        String mode,
        Map<String, Integer> ranks,
        Map<String, Double> eval,
        String createdAt) {

    public static final int VERSION = 1;

    public CheckpointEvent {
        Messages.require(version >= 1 && version <= VERSION, "unsupported checkpoint event version " + version);
        Messages.require(run != null && !run.isBlank(), "run missing");
        Messages.require(step >= 0, "step must be >= 0");
        Messages.require(uri != null && !uri.isBlank(), "uri missing");
        Messages.require(Messages.isSha256(sha256), "sha256 is not a sha256 hex digest");
        ranks = ranks == null ? Map.of() : Map.copyOf(ranks);
        eval = eval == null ? Map.of() : Map.copyOf(eval);
    }
}
