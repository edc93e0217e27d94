package io.inrank.inference.api;

import io.inrank.inference.service.ServeMetrics;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Locale;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Content negotiation that real clients survive. The generation endpoints answer JSON or an event stream, chosen by
 * the body's {@code stream} flag (or the route), not by Accept; but SDKs send {@code Accept: application/json} (the
 * OpenAI SDK) or {@code text/event-stream} (streaming clients) whatever the body says, curl sends {@code *}{@code /*},
 * some send nothing. So before routing, an Accept that allows JSON or an event stream (or anything) is replaced with
 * the type the route's method is declared with, and one that allows neither is refused here: 406 in the called API's
 * error shape, naming what we produce.
 */
public class AcceptNegotiation {
    /** POST routes → the media type their resource method declares. */
    static final Map<String, String> DECLARED = Map.of(
            "/generate", MediaType.APPLICATION_JSON,
            "/generate_stream", MediaType.SERVER_SENT_EVENTS,
            "/", MediaType.TEXT_PLAIN,
            "/v1/completions", MediaType.TEXT_PLAIN,
            "/v1/chat/completions", MediaType.TEXT_PLAIN);

    @Inject
    ServeMetrics metrics;

    @ServerRequestFilter(preMatching = true)
    public Response negotiate(ContainerRequestContext ctx) {
        if (!"POST".equals(ctx.getMethod())) return null;
        String path = ctx.getUriInfo().getPath(), declared = DECLARED.get(path);
        if (declared == null) return null;
        String accept = ctx.getHeaderString(HttpHeaders.ACCEPT);
        if (!acceptable(accept)) {
            metrics.outcome(ErrorMappers.endpoint(ctx.getUriInfo()), "invalid");
            return ErrorMappers.error(
                    ctx.getUriInfo(),
                    406,
                    "not_acceptable",
                    "Accept '" + accept + "' allows neither application/json nor text/event-stream, which is what "
                            + path + " answers (the body's \"stream\" flag chooses which)");
        }
        ctx.getHeaders().putSingle(HttpHeaders.ACCEPT, declared);
        return null;
    }

    /** True when the header is absent or names JSON, an event stream, plain text or a wildcard covering one of them. */
    static boolean acceptable(String accept) {
        if (accept == null || accept.isBlank()) return true;
        for (String range : accept.split(",")) {
            String type = range.split(";")[0].trim().toLowerCase(Locale.ROOT);
            if (type.equals("*/*")
                    || type.equals("*")
                    || type.equals("application/*")
                    || type.equals("text/*")
                    || type.equals(MediaType.APPLICATION_JSON)
                    || type.equals(MediaType.SERVER_SENT_EVENTS)
                    || type.equals(MediaType.TEXT_PLAIN)) return true;
        }
        return false;
    }
}
