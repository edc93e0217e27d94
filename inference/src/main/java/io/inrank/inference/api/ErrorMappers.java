package io.inrank.inference.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.inrank.inference.engine.Engine;
import io.inrank.inference.service.ServeMetrics;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.util.Map;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every refusal as JSON in the style of the API that was called — TGI: {@code {"error", "error_type"}}, OpenAI
 * ({@code /v1/…}): {@code {"error": {"message", "type", "param", "code"}}} — and never a 5xx for bad input: malformed JSON
 * is 400, a wrong or unknown parameter 422, a full queue 429. Each refusal also counts in
 * {@code llm_requests_total{endpoint, outcome}}: outcome "invalid" (4xx) or "rejected" (429); a generation that fails
 * inside the engine is counted as "error" by its resource (a stream's failure never reaches a mapper).
 */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @Inject
    ServeMetrics metrics;

    @ServerExceptionMapper
    public Response api(ApiError e, UriInfo uri) {
        return refuse(uri, e.status, e.type, e.getMessage());
    }

    /** A full server: 429 with Retry-After (seconds), so clients' retry logic backs off instead of hammering. */
    @ServerExceptionMapper
    public Response busy(Engine.Busy e, UriInfo uri) {
        Response r = refuse(uri, 429, "overloaded", e.getMessage());
        return Response.fromResponse(r).header("Retry-After", "1").build();
    }

    /** A request that ran past the server's request timeout: the server's limit, not the client's input. */
    @ServerExceptionMapper
    public Response deadline(Engine.DeadlineExceeded e, UriInfo uri) {
        return refuse(uri, 503, "timeout", e.getMessage());
    }

    // One mapper per Jackson type: the most specific mapper wins, and Quarkus has its own for MismatchedInputException.
    @ServerExceptionMapper(priority = 1)
    public Response unknown(UnrecognizedPropertyException u, UriInfo uri) {
        return refuse(
                uri,
                422,
                "validation",
                "unknown parameter '" + u.getPropertyName() + "' (supported: "
                        + u.getKnownPropertyIds().stream()
                                .map(Object::toString)
                                .sorted()
                                .collect(Collectors.joining(", "))
                        + ")");
    }

    @ServerExceptionMapper(priority = 1)
    public Response mismatch(MismatchedInputException m, UriInfo uri) {
        String path = path(m);
        return refuse(
                uri,
                422,
                "validation",
                (path.isEmpty() ? "request body" : "parameter '" + path + "'") + ": expected "
                        + (m.getTargetType() == null ? "another type" : simple(m.getTargetType())));
    }

    /** An integer literal too large for its field (max_new_tokens: 2147483648): the field and its range, 422. */
    @ServerExceptionMapper(priority = 1)
    public Response range(InputCoercionException e, UriInfo uri) {
        return outOfRange(null, e, uri);
    }

    private Response outOfRange(String path, InputCoercionException e, UriInfo uri) {
        String field = path;
        if (field == null) {
            try {
                field = e.getProcessor() == null ? null : e.getProcessor().currentName();
            } catch (IOException | RuntimeException ignored) {
                // the parser's context is best effort: the message below still says what was wrong
            }
        }
        return refuse(
                uri,
                422,
                "validation",
                (field == null || field.isEmpty() ? "a number" : "parameter '" + field + "'") + ": out of range for "
                        + (e.getTargetType() == null ? "its type" : simple(e.getTargetType())));
    }

    private static String path(JsonMappingException m) {
        return m.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }

    @ServerExceptionMapper(priority = 1)
    public Response json(JsonProcessingException e, UriInfo uri) {
        if (e instanceof UnrecognizedPropertyException u) return unknown(u, uri);
        if (e instanceof MismatchedInputException m) return mismatch(m, uri);
        if (e instanceof InputCoercionException c) return range(c, uri);
        if (e instanceof JsonMappingException m && m.getCause() instanceof InputCoercionException c)
            return outOfRange(path(m), c, uri);
        return refuse(uri, 400, "invalid_json", "the body is not valid JSON: " + e.getOriginalMessage());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        if (e.getCause() instanceof JsonProcessingException j) return json(j, uri);
        return refuse(uri, status, status == 415 ? "unsupported_media_type" : "request", e.getMessage());
    }

    @ServerExceptionMapper
    public Response other(RuntimeException e, UriInfo uri) {
        LOG.error("request failed", e);
        return refuse(uri, 500, "internal", "internal error: " + e.getClass().getSimpleName());
    }

    private static String simple(Class<?> c) {
        if (c == Integer.class || c == int.class) return "an integer (32-bit)";
        if (c == Long.class || c == long.class) return "an integer (64-bit)";
        if (c == Double.class || c == double.class) return "a number";
        if (c == Boolean.class || c == boolean.class) return "true or false";
        if (c == String.class) return "a string";
        if (java.util.List.class.isAssignableFrom(c)) return "a list";
        return "an object";
    }

    private Response refuse(UriInfo uri, int status, String type, String message) {
        if (status < 500) metrics.outcome(endpoint(uri), status == 429 ? "rejected" : "invalid");
        return error(uri, status, type, message);
    }

    /** The API endpoint a path belongs to; anything else is "other" (a label per unknown path would grow without bound). */
    static String endpoint(UriInfo uri) {
        String p = uri == null ? "" : uri.getPath();
        return switch (p) {
            case "/generate" -> "generate";
            case "/generate_stream" -> "generate_stream";
            case "/v1/completions" -> "completions";
            case "/v1/chat/completions" -> "chat";
            case "/tokenize" -> "tokenize";
            default -> "other";
        };
    }

    static Response error(UriInfo uri, int status, String type, String message) {
        Object body = uri != null && uri.getPath().startsWith("/v1/")
                ? Map.of(
                        "error",
                        new java.util.LinkedHashMap<>(Map.of(
                                "message",
                                message,
                                "type",
                                status == 429
                                        ? "rate_limit_error"
                                        : status >= 500 ? "server_error" : "invalid_request_error",
                                "code",
                                type)))
                : Map.of("error", message, "error_type", type);
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(body)
                .build();
    }
}
