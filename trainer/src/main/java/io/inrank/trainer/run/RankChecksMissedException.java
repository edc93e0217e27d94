package io.inrank.trainer.run;

/**
 * The run's rank checks went unanswered {@code max-missed-checks} times in a row: its ranks would stay frozen for the
 * rest of the run, so it stops (after a checkpoint) instead of training on unnoticed. Not the settings' fault as far as
 * the trainer can tell (the controller may be down): exit code 3, which Kubernetes retries, resuming at the checkpoint.
 */
public final class RankChecksMissedException extends RuntimeException {
    public RankChecksMissedException(String message) {
        super(message);
    }

    /** The message alone: the process prints {@code error: } and this. */
    @Override
    public String toString() {
        return getMessage();
    }
}
