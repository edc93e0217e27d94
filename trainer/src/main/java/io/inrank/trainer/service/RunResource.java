package io.inrank.trainer.service;

import io.inrank.trainer.run.RunStatus;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/** {@code GET /run}: the run's step, loss, stage, ranks per layer and latest evaluation. */
@Path("/run")
@Produces(MediaType.APPLICATION_JSON)
public class RunResource {
    @Inject
    CurrentRun current;

    @GET
    public Response status() {
        RunStatus s = current.status();
        if (s == null)
            return Response.status(503)
                    .entity(Map.of("error", "the run is still loading its data"))
                    .build();
        return Response.ok(s).build();
    }
}
