package io.inrank.inference.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The request bodies real clients send (src/test/resources/client-requests.json: each names its library, version,
 * function and where its shape comes from), posted to the packaged server: every one answered with 200 and well-formed
 * output, or — for the few refused on purpose — a 422 naming the field. Prints the table (client, route, status).
 */
class ClientRequestsIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyClientRequestGetsAnAnswer() throws Exception {
        JsonNode fixture;
        try (InputStream in = getClass().getResourceAsStream("/client-requests.json")) {
            fixture = JSON.readTree(in);
        }
        HttpClient http = HttpClient.newHttpClient();
        List<String> rows = new ArrayList<>(), failures = new ArrayList<>();
        try (PackagedServer server = PackagedServer.start()) {
            for (JsonNode r : fixture.get("requests")) {
                String route = r.get("route").asText();
                HttpResponse<String> resp = http.send(
                        HttpRequest.newBuilder(URI.create(server.url + route))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(r.get("body"))))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                String expect = r.path("expect").asText("");
                String problem = expect.isEmpty() ? answered(r, resp) : refused(resp, expect);
                rows.add(String.format(
                        "| %s %s | %s | %s | %d%s |",
                        r.get("client").asText(),
                        r.get("version").asText(),
                        r.get("function").asText(),
                        route,
                        resp.statusCode(),
                        expect.isEmpty() ? "" : " (refused on purpose: " + expect + ")"));
                if (problem != null) failures.add(r.get("function").asText() + ": " + problem + "\n" + resp.body());
            }
        } finally {
            System.out.println("| client | call | route | status |\n|---|---|---|---|\n" + String.join("\n", rows));
        }
        assertTrue(failures.isEmpty(), String.join("\n\n", failures));
    }

    /** 200 and a body in the route's shape: generated_text (TGI), choices (OpenAI), or SSE events ending the stream. */
    static String answered(JsonNode r, HttpResponse<String> resp) throws Exception {
        if (resp.statusCode() != 200) return "status " + resp.statusCode();
        String body = resp.body();
        if (r.path("stream").asBoolean(false)) {
            if (!body.contains("data:")) return "no SSE events";
            if (r.get("route").asText().startsWith("/v1/") && !body.strip().endsWith("data: [DONE]"))
                return "the stream does not end with [DONE]";
            return null;
        }
        JsonNode j = JSON.readTree(body);
        if (r.get("route").asText().startsWith("/v1/")) {
            int n = j.path("choices").size();
            if (n < 1) return "no choices";
            return null;
        }
        return j.has("generated_text") ? null : "no generated_text";
    }

    static String refused(HttpResponse<String> resp, String field) {
        if (resp.statusCode() != 422) return "expected 422 naming " + field + ", got " + resp.statusCode();
        assertEquals(422, resp.statusCode());
        return resp.body().contains(field) ? null : "the refusal does not name " + field;
    }
}
