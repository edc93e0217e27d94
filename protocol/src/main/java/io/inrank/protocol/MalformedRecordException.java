package io.inrank.protocol;

/**
 * Bytes that are not a valid message of the expected kind. Consumers catch it and dead-letter the record
 * ({@link DeadLetters}); it never escapes as a crash.
 */
public class MalformedRecordException extends RuntimeException {
    public MalformedRecordException(String message) {
        super(message);
    }

    public MalformedRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
