package io.inrank.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The PromQL the Grafana dashboard and the alert rules run, and the metric names in it. */
final class MonitoringQueries {
    private MonitoringQueries() {}

    static final java.nio.file.Path DASHBOARD = Rendered.K8S.resolve("base/monitoring/inrank-dashboard.json");
    static final java.nio.file.Path RULES = Rendered.K8S.resolve("base/monitoring/prometheus-rules.yaml");
    private static final Pattern METRIC = Pattern.compile("\\b((?:inrank|llm)_[a-z0-9_]+)\\b");

    static JsonNode dashboard() {
        try {
            return Rendered.JSON.readTree(DASHBOARD.toFile());
        } catch (IOException e) {
            throw new AssertionError(DASHBOARD + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** Every query, keyed by where it is ("panel 'Loss' / A", "alert TrainerStalled", "variable run"). */
    static Map<String, String> queries() {
        Map<String, String> q = new TreeMap<>();
        JsonNode d = dashboard();
        for (JsonNode v : d.path("templating").path("list")) {
            if (v.path("type").asText().equals("query"))
                q.put(
                        "variable " + v.path("name").asText(),
                        v.path("query").isObject()
                                ? v.path("query").path("query").asText()
                                : v.path("query").asText());
        }
        for (JsonNode p : d.path("panels")) {
            for (JsonNode t : p.path("targets"))
                q.put(
                        "panel '" + p.path("title").asText() + "' / "
                                + t.path("refId").asText(),
                        t.path("expr").asText());
        }
        PrometheusRule rules = (PrometheusRule) TypedObjects.parse(yaml());
        for (var g : rules.getSpec().getGroups()) {
            for (var r : g.getRules())
                q.put("alert " + r.getAlert(), r.getExpr().getStrVal());
        }
        return q;
    }

    /** Metric names in a query (string literals, i.e. label values and regexes, removed first). */
    static Set<String> metrics(String promql) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(promql.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\""));
        while (m.find()) names.add(m.group(1));
        return names;
    }

    private static JsonNode yaml() {
        try {
            return new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(RULES.toFile());
        } catch (IOException e) {
            throw new AssertionError(RULES + ": " + e.getMessage(), e);
        }
    }
}
