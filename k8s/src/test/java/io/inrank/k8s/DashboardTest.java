package io.inrank.k8s;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The dashboard and rules are well-formed; MetricsCrossCheckIT checks their metric names against the running services. */
class DashboardTest {
    @Test
    void dashboardParsesAndEveryQueryNamesOurMetrics() {
        JsonNode d = MonitoringQueries.dashboard();
        assertEquals("inrank-pipeline", d.path("uid").asText());
        Set<Integer> ids = new HashSet<>();
        for (JsonNode p : d.path("panels")) {
            assertTrue(ids.add(p.path("id").asInt()), "duplicate panel id " + p.path("id"));
            assertEquals(
                    "${datasource}",
                    p.path("datasource").path("uid").asText(),
                    "panel '" + p.path("title").asText() + "' uses the datasource variable");
        }
        var q = MonitoringQueries.queries();
        assertTrue(q.keySet().stream().anyMatch(k -> k.startsWith("alert ")), "alert rules read");
        q.forEach((where, expr) -> assertFalse(
                MonitoringQueries.metrics(expr).isEmpty(), where + " queries none of our metrics: " + expr));
        for (String must : new String[] {
            "inrank_trainer_loss",
            "inrank_trainer_eval_ppl",
            "inrank_trainer_lr",
            "inrank_trainer_tokens_per_second",
            "inrank_trainer_rank",
            "inrank_controller_decisions_total",
            "inrank_controller_dead_letters_total",
            "llm_ttft_seconds_bucket",
            "llm_inter_token_latency_seconds_bucket",
            "llm_generated_tokens_sum",
            "llm_requests_total"
        }) {
            assertTrue(
                    q.values().stream()
                            .anyMatch(e -> MonitoringQueries.metrics(e).contains(must)),
                    "the dashboard shows " + must);
        }
    }

    @Test
    void metricNamesIgnoreLabelValues() {
        assertEquals(
                Set.of("llm_requests_total"),
                MonitoringQueries.metrics("sum(rate(llm_requests_total{outcome!~\"llm_fake|success\"}[5m]))"));
    }
}
