package io.inrank.model.backend;

/** A backend that was asked for by name but cannot run here; the message is one line, made for users. */
public final class BackendUnavailableException extends IllegalArgumentException {
    public BackendUnavailableException(String message) {
        super(message);
    }

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
