package io.inrank.inference.api;

import io.inrank.inference.service.ServeMetrics;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The optional API key, as vLLM's {@code --api-key}: when {@code inrank.serve.api-key} (env
 * {@code INRANK_SERVE_API_KEY}) or {@code inrank.serve.api-key-file} (a file holding the key, e.g. a mounted Secret) is
 * set, every route but the probes and the scrape ({@code /health}, {@code /metrics}, {@code /q/health/*},
 * {@code /q/metrics}) needs {@code Authorization: Bearer <key>} — Quarkus' own {@code /q/*} routes (the OpenAPI document,
 * which lists every route and parameter) too, through a Vert.x filter, since they are not JAX-RS routes; otherwise 401
 * in the called API's error shape with
 * {@code WWW-Authenticate: Bearer}. The comparison is over SHA-256 digests with {@link MessageDigest#isEqual}, so its
 * time says nothing about the key (not even its length); the key is never logged.
 */
@Singleton
public class ApiKeyCheck {
    private static final Logger LOG = Logger.getLogger(ApiKeyCheck.class);
    static final Set<String> OPEN = Set.of("/health", "/metrics");

    @ConfigProperty(name = "inrank.serve.api-key")
    Optional<String> key;

    @ConfigProperty(name = "inrank.serve.api-key-file")
    Optional<Path> keyFile;

    @Inject
    ServeMetrics metrics;

    private byte[] expected; // SHA-256 of the key; null = no key required

    @PostConstruct
    void load() {
        if (key.isPresent() && keyFile.isPresent())
            throw new IllegalStateException(
                    "set inrank.serve.api-key (INRANK_SERVE_API_KEY) or inrank.serve.api-key-file, not both");
        Optional<String> k = key.map(String::strip);
        if (keyFile.isPresent()) {
            try {
                k = Optional.of(
                        Files.readString(keyFile.get(), StandardCharsets.UTF_8).strip());
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the API key file " + keyFile.get() + ": " + e, e);
            }
            if (k.get().isEmpty()) throw new IllegalStateException("the API key file " + keyFile.get() + " is empty");
        }
        expected = k.filter(s -> !s.isEmpty()).map(ApiKeyCheck::sha256).orElse(null);
        LOG.infof(
                expected == null
                        ? "no API key set: every route is open (set INRANK_SERVE_API_KEY to require one)"
                        : "API key required on every route but /health and /metrics (from %s)",
                keyFile.map(p -> "file " + p).orElse("inrank.serve.api-key"));
    }

    @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION)
    public Response check(ContainerRequestContext ctx) {
        if (expected == null || OPEN.contains(ctx.getUriInfo().getPath())) return null;
        String auth = ctx.getHeaderString(HttpHeaders.AUTHORIZATION);
        String given = bearer(auth);
        if (given != null && MessageDigest.isEqual(expected, sha256(given))) return null;
        metrics.outcome(ErrorMappers.endpoint(ctx.getUriInfo()), "unauthorized");
        return Response.fromResponse(ErrorMappers.error(
                        ctx.getUriInfo(),
                        401,
                        "invalid_api_key",
                        given == null
                                ? "this server needs an API key: send the header 'Authorization: Bearer <key>'"
                                : "the API key in 'Authorization: Bearer …' is not this server's"))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .build();
    }

    /** Quarkus' management routes are Vert.x routes: the same check, in front of them. */
    void management(@Observes Filters filters) {
        filters.register(this::checkManagement, 100);
    }

    /** /q/health/* (the probes) and /q/metrics (the scrape) stay open, as /health and /metrics do. */
    static boolean openManagement(String path) {
        return path.equals("/q/health") || path.startsWith("/q/health/") || path.equals("/q/metrics");
    }

    void checkManagement(RoutingContext rc) {
        String path = rc.normalizedPath();
        if (expected == null || !path.startsWith("/q/") || openManagement(path)) {
            rc.next();
            return;
        }
        String given = bearer(rc.request().getHeader(HttpHeaders.AUTHORIZATION));
        if (given != null && MessageDigest.isEqual(expected, sha256(given))) {
            rc.next();
            return;
        }
        metrics.outcome("other", "unauthorized");
        rc.response()
                .setStatusCode(401)
                .putHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end("{\"error\":\"this route needs the API key: send the header 'Authorization: Bearer <key>'\","
                        + "\"error_type\":\"invalid_api_key\"}");
    }

    private static String bearer(String auth) {
        return auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
                ? auth.substring(7).strip()
                : null;
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
