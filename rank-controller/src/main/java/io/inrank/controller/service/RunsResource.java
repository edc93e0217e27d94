package io.inrank.controller.service;

import io.inrank.controller.state.RunState;
import io.inrank.protocol.RankDecision;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Per-run state and decision history (OpenAPI at /q/openapi). */
@Path("/runs")
@Produces(MediaType.APPLICATION_JSON)
public class RunsResource {

    @Inject
    ControllerService service;

    /**
     * One line per run.
     *
     * @param decisions every decision the run has had
     * @param kept      those still in the idempotency window (served by /history)
     */
    public record RunSummary(String run, String policy, long lastStep, long decisions, int kept, int layers) {}

    @GET
    public List<RunSummary> runs() {
        return service.runs().stream()
                .sorted(Comparator.comparing(RunState::run))
                .map(s -> new RunSummary(
                        s.run(),
                        s.policy(),
                        s.lastStep(),
                        s.decisions(),
                        s.recent().size(),
                        s.layers().size()))
                .toList();
    }

    /** Current rank, last ratio and maxRank per layer. */
    @GET
    @Path("/{run}")
    public Map<String, RunState.LayerState> run(@PathParam("run") String run) {
        return find(run).layers();
    }

    /**
     * The decisions of the idempotency window (the most recent ones), optionally only one layer's entries. Every
     * decision of a run is on inrank.rank-decisions.
     */
    @GET
    @Path("/{run}/history")
    public List<RankDecision> history(@PathParam("run") String run, @QueryParam("layer") String layer) {
        List<RankDecision> h = find(run).recentDecisions();
        if (layer == null) return h;
        return h.stream()
                .map(d -> new RankDecision(
                        d.version(),
                        d.run(),
                        d.step(),
                        d.layers().stream().filter(l -> l.name().equals(layer)).toList(),
                        d.policy(),
                        d.policyParams(),
                        d.decidedAt()))
                .toList();
    }

    private RunState find(String run) {
        RunState s = service.run(run);
        if (s == null) throw new NotFoundException("no run '" + run + "'");
        return s;
    }
}
