package io.inrank.model.backend;

/**
 * A backend that was asked for but cannot run here; the message is one line, made for users. {@link #precision} says
 * whether the reason is the precision (the backend lacks it) rather than the backend itself, so a command line can
 * blame the right option ({@link #asOptionError}).
 */
public final class BackendUnavailableException extends IllegalArgumentException {
    private final Precision precision;

    public BackendUnavailableException(String message) {
        this(message, null, null);
    }

    public BackendUnavailableException(String message, Throwable cause) {
        this(message, cause, null);
    }

    private BackendUnavailableException(String message, Throwable cause, Precision precision) {
        super(message, cause);
        this.precision = precision;
    }

    /** The backend exists here but has no GEMMs at this precision. */
    static BackendUnavailableException lacksPrecision(String message, Precision precision) {
        return new BackendUnavailableException(message, null, precision);
    }

    /** The precision at fault, or null when the reason is the backend (unknown, unavailable, failed to start). */
    public Precision precision() {
        return precision;
    }

    /**
     * The reason under the option it is about, as every command prints it: {@code --precision bf16: nd4j has no bf16
     * GEMMs (it has fp32)}, or {@code --backend cuda: no CUDA driver found …} (backend reasons start with its name).
     */
    public String asOptionError() {
        return (precision != null ? "--precision " + precision.label() + ": " : "--backend ") + getMessage();
    }
}
