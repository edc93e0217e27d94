package io.inrank.inference.api;

/** A request the server refuses, with the HTTP status and a message that says what to change. */
public final class ApiError extends RuntimeException {
    public final int status;
    public final String type;

    public ApiError(int status, String type, String message) {
        super(message);
        this.status = status;
        this.type = type;
    }

    public static ApiError validation(String message) {
        return new ApiError(422, "validation", message);
    }
}
