package io.inrank.trainer.run;

/**
 * The run's last checkpoint is on disk but its event never reached the broker. Not the settings' fault: running again
 * resumes complete and announces it (exit code 3, which Kubernetes retries).
 */
public final class UnannouncedCheckpointException extends RuntimeException {
    public UnannouncedCheckpointException(String message) {
        super(message);
    }
}
