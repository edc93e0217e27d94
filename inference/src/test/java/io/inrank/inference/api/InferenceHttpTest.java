package io.inrank.inference.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.*;

import io.inrank.inference.TinyCheckpoint;
import io.inrank.model.backend.Backends;
import io.inrank.model.generate.Generator;
import io.inrank.model.generate.Sampler;
import io.inrank.model.io.Checkpoint;
import io.inrank.tokenizer.Gpt2Tokenizer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every endpoint and error path over real HTTP, on a real (tiny, random) checkpoint. */
@QuarkusTest
@QuarkusTestResource(value = TinyCheckpoint.class, restrictToAnnotatedClass = true)
class InferenceHttpTest {

    @BeforeEach
    void ready() throws Exception {
        Http.awaitModel();
    }

    static JsonPath post(String path, String body, int status) {
        return Http.post(path, body, status);
    }

    @Test
    void infoDescribesTheCompressedModel() {
        JsonPath info = given().get("/info").then().statusCode(200).extract().jsonPath();
        assertEquals("served", info.getString("run"));
        assertEquals(100, info.getLong("step"));
        assertEquals(18, info.getInt("ranks.'h.0.mlp.fc1'"));
        assertTrue(info.getLong("parameters") < info.getLong("dense_parameters"));
        assertEquals(4 * info.getLong("parameters"), info.getLong("bytes"));
        assertTrue(info.getDouble("compression") > 1);
        assertEquals(128, info.getInt("max_total_tokens"));
        assertEquals(
                "served",
                given().get("/v1/models")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getString("data[0].id"));
    }

    @Test
    void greedyGenerationEqualsThePlainReferenceGenerator() throws Exception {
        JsonPath r = post(
                "/generate",
                "{\"inputs\":\"The history of\",\"parameters\":{\"max_new_tokens\":8,\"details\":true}}",
                200);
        var loaded = Checkpoint.load(Backends.open("nd4j"), TinyCheckpoint.dir, 1, 1);
        Generator.Result ref = new Generator(loaded.model())
                .generate(Gpt2Tokenizer.encode("The history of"), 8, Sampler.Params.greedy(), null);
        assertEquals(Gpt2Tokenizer.decode(ref.generated()), r.getString("generated_text"));
        assertEquals("length", r.getString("details.finish_reason"));
        assertEquals(8, r.getInt("details.generated_tokens"));
        assertEquals(8, r.getList("details.tokens").size());
        assertEquals(ref.generated()[0], r.getInt("details.tokens[0].id"));
        assertNull(r.get("details.seed"), "greedy decoding draws nothing random: no seed to report");
    }

    @Test
    void aLongPromptIsPrefilledInChunksAndAnswersLikeTheReference() throws Exception {
        String prompt = "The history of the United States began with the arrival of the first people in the Americas, "
                + "thousands of years before the colonies were founded along the coast";
        int[] ids = Gpt2Tokenizer.encode(prompt);
        assertTrue(ids.length > 20, "a prompt of several chunks");
        double prefilled = metric("llm_prefill_rows_total"), steps = metric("llm_decode_steps_total");
        JsonPath r = post("/generate", "{\"inputs\":\"" + prompt + "\",\"parameters\":{\"max_new_tokens\":6}}", 200);
        var loaded = Checkpoint.load(Backends.open("nd4j"), TinyCheckpoint.dir, 1, 1);
        Generator.Result ref = new Generator(loaded.model()).generate(ids, 6, Sampler.Params.greedy(), null);
        assertEquals(Gpt2Tokenizer.decode(ref.generated()), r.getString("generated_text"));
        // max batch 3: while 3 prompt tokens (besides the last) wait, a chunk of 3 precedes each step, and every step
        // feeds one more prompt token until the last, whose step gives the first new token
        int left = ids.length - 1, chunks = 0, wantSteps = 6; // one step per new token
        while (left > 0) {
            if (left >= 3) {
                chunks += 3;
                left -= 3;
            }
            if (left == 0) break;
            left--;
            wantSteps++;
        }
        assertEquals(prefilled + chunks, metric("llm_prefill_rows_total"), "prompt tokens prefilled in chunks");
        assertEquals(
                steps + wantSteps, metric("llm_decode_steps_total"), "steps for a " + ids.length + "-token prompt");
    }

    @Test
    void refusalsAreCountedByEndpointAndOutcome() {
        double invalid = metric("llm_requests_total{endpoint=\"generate\",outcome=\"invalid\"}");
        double openai = metric("llm_requests_total{endpoint=\"completions\",outcome=\"invalid\"}");
        post("/generate", "{\"inputs\":\"x\",\"parameters\":{\"temperature\":-1}}", 422);
        post("/generate", "{\"inputs\": \"x\",", 400);
        post("/v1/completions", "{\"prompt\":[],\"max_tokens\":2}", 422);
        assertEquals(invalid + 2, metric("llm_requests_total{endpoint=\"generate\",outcome=\"invalid\"}"));
        assertEquals(openai + 1, metric("llm_requests_total{endpoint=\"completions\",outcome=\"invalid\"}"));
    }

    @Test
    void seededSamplingIsReproducibleAndTheSeedIsEchoed() {
        String body =
                "{\"inputs\":\"Once\",\"parameters\":{\"max_new_tokens\":10,\"do_sample\":true,\"temperature\":1.3,\"top_k\":50,\"seed\":7,\"details\":true}}";
        JsonPath a = post("/generate", body, 200), b = post("/generate", body, 200);
        assertEquals(a.getString("generated_text"), b.getString("generated_text"));
        assertEquals(7, a.getLong("details.seed"));
        JsonPath c = post("/generate", body.replace("\"seed\":7", "\"seed\":8"), 200);
        assertNotEquals(a.getString("generated_text"), c.getString("generated_text"));
        JsonPath openai =
                post("/v1/completions", "{\"prompt\":\"Once\",\"max_tokens\":10,\"temperature\":1.3,\"seed\":7}", 200);
        assertEquals(
                openai.getString("choices[0].text"),
                post("/v1/completions", "{\"prompt\":\"Once\",\"max_tokens\":10,\"temperature\":1.3,\"seed\":7}", 200)
                        .getString("choices[0].text"));
    }

    @Test
    void stopSequencesCutLikeOpenAI() {
        String full = post("/generate", "{\"inputs\":\"A\",\"parameters\":{\"max_new_tokens\":16}}", 200)
                .getString("generated_text");
        assertTrue(full.length() >= 6, full);
        String stop = full.substring(3, 6);
        String expected = full.substring(0, full.indexOf(stop));
        JsonPath r = post(
                "/generate",
                "{\"inputs\":\"A\",\"parameters\":{\"max_new_tokens\":16,\"stop\":[" + q(stop) + "],\"details\":true}}",
                200);
        assertEquals(expected, r.getString("generated_text"));
        assertEquals("stop_sequence", r.getString("details.finish_reason"));
        JsonPath o = post(
                "/v1/completions",
                "{\"prompt\":\"A\",\"max_tokens\":16,\"temperature\":0,\"stop\":" + q(stop) + "}",
                200);
        assertEquals(expected, o.getString("choices[0].text"));
        assertEquals("stop", o.getString("choices[0].finish_reason"));
    }

    @Test
    void tgiStreamingSendsEveryTokenAndTheSummaryLast() {
        String sse = given().contentType(ContentType.JSON)
                .body("{\"inputs\":\"The\",\"parameters\":{\"max_new_tokens\":6}}")
                .post("/generate_stream")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        List<JsonPath> events = new ArrayList<>();
        for (String line : sse.split("\n"))
            if (line.startsWith("data:"))
                events.add(new JsonPath(line.substring(5).trim()));
        assertEquals(6, events.size(), sse);
        StringBuilder text = new StringBuilder();
        for (JsonPath e : events) text.append(e.getString("token.text"));
        JsonPath last = events.get(events.size() - 1);
        assertEquals(text.toString(), last.getString("generated_text"));
        assertEquals("length", last.getString("details.finish_reason"));
        assertNull(events.get(0).get("generated_text"));
        String plain = post("/generate", "{\"inputs\":\"The\",\"parameters\":{\"max_new_tokens\":6}}", 200)
                .getString("generated_text");
        assertEquals(plain, text.toString());
    }

    @Test
    void openAiCompletionsPlainAndStreamedWithUsage() {
        JsonPath r = post(
                "/v1/completions",
                "{\"model\":\"served\",\"prompt\":\"Hello there\",\"max_tokens\":5,\"temperature\":0}",
                200);
        assertEquals("text_completion", r.getString("object"));
        assertEquals("length", r.getString("choices[0].finish_reason"));
        int promptTokens = Gpt2Tokenizer.encode("Hello there").length;
        assertEquals(
                Map.of("prompt_tokens", promptTokens, "completion_tokens", 5, "total_tokens", promptTokens + 5),
                r.getMap("usage"));

        String sse = given().contentType(ContentType.JSON)
                .body("{\"prompt\":\"Hello there\",\"max_tokens\":5,\"temperature\":0,\"stream\":true}")
                .post("/v1/completions")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        List<String> data = new ArrayList<>();
        for (String line : sse.split("\n"))
            if (line.startsWith("data:")) data.add(line.substring(5).trim());
        assertEquals("[DONE]", data.get(data.size() - 1));
        JsonPath last = new JsonPath(data.get(data.size() - 2));
        assertEquals("length", last.getString("choices[0].finish_reason"));
        assertEquals(5, last.getInt("usage.completion_tokens"));
        StringBuilder text = new StringBuilder();
        for (String d : data.subList(0, data.size() - 1)) text.append(new JsonPath(d).getString("choices[0].text"));
        assertEquals(r.getString("choices[0].text"), text.toString());
    }

    @Test
    void tokenizeGivesIdsAndByteOffsets() {
        List<Map<String, Object>> t = given().contentType(ContentType.JSON)
                .body("{\"inputs\":\"héllo world\"}")
                .post("/tokenize")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("$");
        int[] ids = Gpt2Tokenizer.encode("héllo world");
        assertEquals(ids.length, t.size());
        assertEquals(0, t.get(0).get("start"));
        assertEquals(
                "héllo world".getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
                t.get(t.size() - 1).get("stop"));
    }

    @Test
    void badRequestsGetAClearFourHundred() {
        assertTrue(post("/generate", "{\"inputs\": \"x\", ", 400)
                .getString("error")
                .contains("not valid JSON"));
        assertTrue(post("/generate", "{\"inputs\":\"x\",\"parameters\":{\"typical_p\":1.5}}", 422)
                .getString("error")
                .contains("typical_p must be in (0, 1]"));
        assertTrue(post("/generate", "{\"inputs\":\"x\",\"parameters\":{\"max_new_tokens\":\"many\"}}", 422)
                .getString("error")
                .contains("parameter 'parameters.max_new_tokens': expected an integer"));
        assertTrue(post("/generate", "{\"inputs\":\"x\",\"parameters\":{\"max_new_tokens\":0}}", 422)
                .getString("error")
                .contains("max_new_tokens must be >= 1"));
        assertTrue(
                post("/generate", "{\"inputs\":\"\"}", 422).getString("error").contains("must not be empty"));
        assertTrue(post("/generate", "{\"inputs\":\"x\",\"parameters\":{\"top_p\":1.5}}", 422)
                .getString("error")
                .contains("top_p"));
        // do_sample false is greedy whatever else is set, as in TGI
        assertEquals(
                post("/generate", "{\"inputs\":\"x\",\"parameters\":{\"max_new_tokens\":4}}", 200)
                        .getString("generated_text"),
                post(
                                "/generate",
                                "{\"inputs\":\"x\",\"parameters\":{\"max_new_tokens\":4,\"do_sample\":false,"
                                        + "\"temperature\":0.5,\"top_k\":3}}",
                                200)
                        .getString("generated_text"));
        String longPrompt = "word ".repeat(200);
        assertTrue(post("/generate", "{\"inputs\":" + q(longPrompt) + "}", 422)
                .getString("error")
                .contains("context is 128 tokens"));
        assertEquals(
                10,
                post(
                                "/generate",
                                "{\"inputs\":" + q(longPrompt)
                                        + ",\"parameters\":{\"truncate\":100,\"max_new_tokens\":10,\"details\":true}}",
                                200)
                        .getInt("details.generated_tokens"));
        assertTrue(post("/generate", "{\"inputs\":" + q("a".repeat(100_001)) + "}", 422)
                .getString("error")
                .contains("100001 characters, more than the 100000"));
        assertTrue(post("/v1/completions", "{\"prompt\":\"x\",\"stop\":[" + q("s".repeat(257)) + "]}", 422)
                .getString("error.message")
                .contains("at most 256 characters"));
        try {
            var huge = given().contentType(ContentType.JSON)
                    .body("{\"inputs\":" + q("b".repeat(1_100_000)) + "}")
                    .post("/generate");
            assertEquals(413, huge.statusCode(), "a body over 1 MiB is refused before it is read");
        } catch (RuntimeException e) {
            // the server answers 413 and closes before reading the rest: a client still sending may see the broken
            // pipe instead of the status (a race of the two sides, not a server fault)
            Throwable root = e;
            while (root.getCause() != null) root = root.getCause();
            assertTrue(root instanceof java.net.SocketException, "refused before it is read: " + e);
        }
        assertEquals(200, given().get("/health").statusCode(), "and the server serves on");
        JsonPath o = post("/v1/completions", "{\"prompt\":\"x\",\"n\":2,\"best_of\":1}", 422);
        assertTrue(o.getString("error.message").contains("best_of must be >= n"));
        assertEquals("invalid_request_error", o.getString("error.type"));
        // any "model" is accepted for the one served model (as TGI does), and the served id comes back
        assertEquals(
                "served",
                post("/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":1,\"model\":\"http://host/x\"}", 200)
                        .getString("model"));
        assertTrue(post("/v1/completions", "{\"prompt\":\"x\",\"suffix\":\"end\"}", 422)
                .getString("error.message")
                .contains("suffix"));
    }

    /** What SDKs send: Accept application/json or text/event-stream whatever the body says, or nothing at all. */
    @Test
    void everyGenerationRouteAnswersTheAcceptHeadersClientsSend() {
        String completion = "{\"prompt\":\"The\",\"max_tokens\":2,\"temperature\":0}";
        for (String accept :
                new String[] {"application/json", "*/*", "text/event-stream", "application/json, text/plain"}) {
            var r = given().contentType(ContentType.JSON)
                    .accept(accept)
                    .body(completion)
                    .post("/v1/completions");
            assertEquals(200, r.statusCode(), accept + " -> " + r.asString());
            assertTrue(r.getContentType().startsWith("application/json"), accept + " -> " + r.getContentType());
            var s = given().contentType(ContentType.JSON)
                    .accept(accept)
                    .body(completion.replace("}", ",\"stream\":true}"))
                    .post("/v1/completions");
            assertEquals(200, s.statusCode(), accept + " (stream) -> " + s.asString());
            assertTrue(s.getContentType().startsWith("text/event-stream"), s.getContentType());
            assertTrue(s.asString().trim().endsWith("data: [DONE]"), s.asString());
            var g = given().contentType(ContentType.JSON)
                    .accept(accept)
                    .body("{\"inputs\":\"The\",\"parameters\":{\"max_new_tokens\":2}}")
                    .post("/generate");
            assertEquals(200, g.statusCode(), accept + " /generate -> " + g.asString());
            var gs = given().contentType(ContentType.JSON)
                    .accept(accept)
                    .body("{\"inputs\":\"The\",\"parameters\":{\"max_new_tokens\":2}}")
                    .post("/generate_stream");
            assertEquals(200, gs.statusCode(), accept + " /generate_stream -> " + gs.asString());
        }
        var none = given().contentType(ContentType.JSON)
                .body(completion)
                .header("Accept", "")
                .post("/v1/completions");
        assertEquals(200, none.statusCode(), none.asString());
        var xml = given().contentType(ContentType.JSON)
                .accept("application/xml")
                .body(completion)
                .post("/v1/completions");
        assertEquals(406, xml.statusCode(), xml.asString());
        assertTrue(xml.jsonPath().getString("error.message").contains("application/json"), xml.asString());
        assertEquals("not_acceptable", xml.jsonPath().getString("error.code"));
        var tgi = given().contentType(ContentType.JSON)
                .accept("image/png")
                .body("{\"inputs\":\"The\"}")
                .post("/generate");
        assertEquals(406, tgi.statusCode());
        assertEquals("not_acceptable", tgi.jsonPath().getString("error_type"));
    }

    /** TGI's root route, health and metrics paths (Hugging Face's Python client posts to the base URL). */
    @Test
    void tgiRootRouteHealthAndMetrics() {
        String body = "{\"inputs\":\"The history of\",\"parameters\":{\"max_new_tokens\":5}}";
        String plain = post("/", body, 200).getString("generated_text");
        assertEquals(post("/generate", body, 200).getString("generated_text"), plain, "POST / is /generate");
        var s = given().contentType(ContentType.JSON)
                .body(body.replace("}}", "},\"stream\":true}"))
                .post("/");
        assertEquals(200, s.statusCode(), s.asString());
        assertTrue(s.getContentType().startsWith("text/event-stream"), s.getContentType());
        StringBuilder streamed = new StringBuilder();
        String last = null;
        for (String line : s.asString().split("\n")) {
            if (!line.startsWith("data:")) continue;
            JsonPath ev = new JsonPath(line.substring(5));
            streamed.append(ev.getString("token.text"));
            last = ev.getString("generated_text");
        }
        assertEquals(plain, streamed.toString(), "streamed tokens spell the plain answer");
        assertEquals(plain, last, "the last event carries the whole text");
        assertTrue(post("/", "{\"inputs\":\"x\",\"stream\":\"yes\"}", 422)
                .getString("error")
                .contains("stream"));
        var ignored = given().contentType(ContentType.JSON)
                .body("{\"inputs\":\"x\",\"bogus\":1,\"parameters\":{\"max_new_tokens\":1,\"later\":{\"a\":[1]}}}")
                .post("/");
        assertEquals(200, ignored.statusCode(), "unknown fields are ignored, as TGI does: " + ignored.asString());
        assertEquals(
                java.util.Set.of("bogus", "parameters.later"),
                java.util.Set.of(ignored.header("X-Inrank-Ignored-Parameters").split(", ")));
        assertEquals(200, given().get("/health").statusCode());
        String metrics =
                given().get("/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("llm_model_parameters"), "the same registry as /q/metrics");
        assertTrue(given().get("/q/metrics").asString().contains("llm_model_parameters"));
    }

    @Test
    void concurrentClientsShareDecodeStepsAndGetTheirSingleClientAnswers() throws Exception {
        int clients = 6;
        String[] bodies = new String[clients], alone = new String[clients];
        for (int i = 0; i < clients; i++) {
            bodies[i] = "{\"inputs\":\"Client " + i + " says\",\"parameters\":{\"max_new_tokens\":" + (8 + 2 * i)
                    + ",\"do_sample\":true,\"top_k\":40,\"seed\":" + (100 + i) + "}}";
            alone[i] = post("/generate", bodies[i], 200).getString("generated_text");
        }
        double steps0 = metric("llm_decode_steps_total"), rows0 = metric("llm_decode_rows_total");
        // 6 clients, batch of 3, queue of 8: all fit even if they all arrive within one step; each gets its own answer
        var pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
        List<java.util.concurrent.Future<String>> answers = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            String b = bodies[i];
            answers.add(pool.submit(() -> post("/generate", b, 200).getString("generated_text")));
        }
        for (int i = 0; i < clients; i++) assertEquals(alone[i], answers.get(i).get(), "client " + i);
        double steps = metric("llm_decode_steps_total") - steps0, rows = metric("llm_decode_rows_total") - rows0;
        assertTrue(
                rows / steps > 1.5,
                "requests shared decode steps: " + rows + " rows in " + steps + " steps; "
                        + given().get("/q/metrics")
                                .asString()
                                .lines()
                                .filter(l -> l.contains("decode"))
                                .toList());

        // far more clients than the concurrency limit (11 here): the overflow gets 429 with a message and Retry-After,
        // never a 5xx, the rest answer, and every answered request gives its place back
        pool.shutdown();
        var many = java.util.concurrent.Executors.newFixedThreadPool(24);
        List<java.util.concurrent.Future<io.restassured.response.Response>> statuses = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            statuses.add(many.submit(() -> given().contentType(ContentType.JSON)
                    .body("{\"inputs\":\"x\",\"parameters\":{\"max_new_tokens\":30}}")
                    .post("/generate")));
        }
        int ok = 0, busy = 0;
        for (var f : statuses) {
            var r = f.get();
            if (r.statusCode() == 200) ok++;
            else if (r.statusCode() == 429) {
                busy++;
                assertEquals("1", r.getHeader("Retry-After"));
                assertTrue(r.jsonPath().getString("error").contains("requests in flight"), r.asString());
            } else fail("status " + r.statusCode());
        }
        many.shutdown();
        assertTrue(ok >= 11 && busy >= 1, ok + " ok, " + busy + " busy");
        for (int i = 0; i < 50 && metric("llm_requests_in_flight") > 0; i++) Thread.sleep(100);
        assertEquals(0.0, metric("llm_requests_in_flight"), "every request gave its place back");
        assertEquals(11.0, metric("llm_requests_max_concurrent"));
    }

    @Test
    void aClientThatDisconnectsStopsItsGeneration() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        String url = "http://localhost:" + io.restassured.RestAssured.port + "/v1/completions";
        double before = metric("llm_requests_total{endpoint=\"completions_stream\",outcome=\"cancelled\"}");
        for (int attempt = 0; attempt < 5; attempt++) {
            var resp = http.send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                            .header("Content-Type", "application/json")
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                    "{\"prompt\":\"Go\",\"max_tokens\":120,\"temperature\":0,\"stream\":true}"))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofInputStream());
            try (var in = resp.body()) {
                byte[] first = in.readNBytes(16); // the stream has started
                assertTrue(new String(first).startsWith("data: "));
            } // closing mid-stream drops the connection
            Thread.sleep(1500);
            if (metric("llm_requests_total{endpoint=\"completions_stream\",outcome=\"cancelled\"}") > before) return;
        }
        fail("no generation was cancelled after 5 disconnects");
    }

    static double metric(String name) {
        String prefix = name.contains("{") ? name.substring(0, name.length() - 1) : null;
        return given().get("/q/metrics")
                .asString()
                .lines()
                .filter(l ->
                        prefix != null ? l.startsWith(prefix) : l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    @Test
    void fuzzedBodiesNeverGetAFiveHundred() {
        Random r = new Random(42);
        String[] pieces = {
            "{",
            "}",
            "[",
            "]",
            "\"inputs\"",
            "\"prompt\"",
            ":",
            ",",
            "\"parameters\"",
            "\"max_new_tokens\"",
            "\"max_tokens\"",
            "-1",
            "0",
            "3",
            "1e309",
            "null",
            "true",
            "\"x\"",
            "\"stop\"",
            "\"seed\"",
            "\"temperature\"",
            "99999999999999999999",
            "\"\\ud800\""
        };
        for (int i = 0; i < 150; i++) {
            StringBuilder b = new StringBuilder();
            int n = 1 + r.nextInt(14);
            for (int k = 0; k < n; k++) b.append(pieces[r.nextInt(pieces.length)]);
            for (String path : List.of("/generate", "/v1/completions", "/tokenize")) {
                int status = given().contentType(ContentType.JSON)
                        .body(b.toString())
                        .post(path)
                        .statusCode();
                assertTrue(status < 500, path + " answered " + status + " to " + b);
            }
        }
        assertTrue(given().contentType(ContentType.TEXT)
                        .body("hi")
                        .post("/generate")
                        .statusCode()
                < 500);
    }

    static String q(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
