package io.inrank.inference.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.inrank.inference.engine.ServedModel;
import io.inrank.inference.service.ModelService;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/** GET /info: what is served — run, step, preset, ranks per layer, parameters and bytes against the dense model. */
@Path("/info")
public class InfoResource {
    @Inject
    ModelService service;

    public record Info(
            @JsonProperty("model_id") String modelId,
            String run,
            long step,
            int stage,
            String preset,
            String checkpoint,
            Map<String, Integer> ranks,
            long parameters,
            @JsonProperty("dense_parameters") long denseParameters,
            long bytes,
            @JsonProperty("dense_bytes") long denseBytes,
            double compression,
            @JsonProperty("max_input_tokens") int maxInputTokens,
            @JsonProperty("max_total_tokens") int maxTotalTokens,
            @JsonProperty("max_concurrent_requests") int maxConcurrent) {}

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Info info() {
        ServedModel m = service.model();
        return new Info(
                service.name(m),
                m.run(),
                m.step(),
                m.stage(),
                m.preset(),
                m.dir().toString(),
                m.ranks(),
                m.parameters(),
                m.denseParameters(),
                4 * m.parameters(),
                4 * m.denseParameters(),
                (double) m.denseParameters() / m.parameters(),
                m.context() - 1,
                m.context(),
                service.maxConcurrent());
    }
}
