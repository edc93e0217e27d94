package io.inrank.inference.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/** The ignored request fields of {@link IgnoredParameters}, as a warning in the log and a response header. */
public class IgnoredParametersHeader {
    @ServerResponseFilter
    public void report(ContainerRequestContext req, ContainerResponseContext res) {
        String names =
                IgnoredParameters.header(req.getMethod(), req.getUriInfo().getPath());
        if (names != null) res.getHeaders().putSingle(IgnoredParameters.HEADER, names);
    }
}
