package io.inrank.ingest.source;

/** Input that cannot be ingested. The message names the file and the line or entry, and says what is wrong. */
public class BadInputException extends RuntimeException {
    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
