package io.inrank.inference.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.*;

import io.inrank.inference.ScriptedCheckpoint;
import io.inrank.inference.engine.TextStream;
import io.inrank.tokenizer.Gpt2Tokenizer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The model itself emits characters split across tokens (a scripted checkpoint: greedy decoding spells TEXT, then
 * EOS), and every endpoint delivers whole characters: no U+FFFD, no half character in any streamed piece, the
 * streamed pieces add up to the plain answer, which is exactly TEXT.
 */
@QuarkusTest
@QuarkusTestResource(value = Utf8StreamingHttpTest.Scripted.class, restrictToAnnotatedClass = true)
class Utf8StreamingHttpTest {
    static final String TEXT = " naïve 😀 café — 日本語 👍🏽!";
    static final String PROMPT = "x";

    public static class Scripted implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            try {
                var dir = ScriptedCheckpoint.write(
                        Files.createTempDirectory("inrank-utf8"), "utf8", Gpt2Tokenizer.encode(TEXT));
                return Map.of("inrank.serve.checkpoint", dir.toString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void stop() {}
    }

    @BeforeEach
    void ready() throws Exception {
        Http.awaitModel();
    }

    @Test
    void theScriptReallySplitsCharactersAcrossTokens() {
        assertEquals(1, Gpt2Tokenizer.encode(PROMPT).length, "the scripted model expects a one-token prompt");
        int split = 0;
        for (int t : Gpt2Tokenizer.encode(TEXT)) {
            TextStream alone = new TextStream();
            if (alone.push(t).length() == 0 && !alone.finish().isEmpty()) split++;
        }
        assertTrue(split >= 2, "tokens that end inside a character: " + split);
    }

    @Test
    void plainAnswersAreTheExactText() {
        JsonPath r = given().contentType("application/json")
                .body("{\"inputs\":\"" + PROMPT + "\",\"parameters\":{\"max_new_tokens\":60,\"details\":true}}")
                .post("/generate")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals(TEXT, r.getString("generated_text"));
        assertEquals("eos_token", r.getString("details.finish_reason"));
        assertEquals(Gpt2Tokenizer.encode(TEXT).length + 1, r.getInt("details.generated_tokens"));
        JsonPath o = given().contentType("application/json")
                .body("{\"prompt\":\"" + PROMPT + "\",\"max_tokens\":60,\"temperature\":0}")
                .post("/v1/completions")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals(TEXT, o.getString("choices[0].text"));
        assertEquals("stop", o.getString("choices[0].finish_reason"));
    }

    @Test
    void tgiStreamSendsWholeCharactersOnly() throws Exception {
        List<String> pieces = new ArrayList<>();
        String last = null;
        for (String d :
                sse("/generate_stream", "{\"inputs\":\"" + PROMPT + "\",\"parameters\":{\"max_new_tokens\":60}}")) {
            JsonPath e = new JsonPath(d);
            pieces.add(e.getString("token.text"));
            if (e.getString("generated_text") != null) last = e.getString("generated_text");
        }
        assertWhole(pieces);
        assertEquals(TEXT, String.join("", pieces));
        assertEquals(TEXT, last);
        assertTrue(
                pieces.contains(""), "a token that ends inside a character streams as empty text until it completes");
    }

    @Test
    void openAiStreamSendsWholeCharactersOnly() throws Exception {
        List<String> data = sse(
                "/v1/completions",
                "{\"prompt\":\"" + PROMPT + "\",\"max_tokens\":60,\"temperature\":0,\"stream\":true}");
        assertEquals("[DONE]", data.get(data.size() - 1));
        List<String> pieces = new ArrayList<>();
        for (String d : data.subList(0, data.size() - 1)) pieces.add(new JsonPath(d).getString("choices[0].text"));
        assertWhole(pieces);
        assertEquals(TEXT, String.join("", pieces));
    }

    /** No replacement character, and no piece starts or ends inside a surrogate pair. */
    private static void assertWhole(List<String> pieces) {
        for (String p : pieces) {
            assertFalse(p.contains("\uFFFD"), "replacement character in " + pieces);
            if (!p.isEmpty()) {
                assertFalse(Character.isLowSurrogate(p.charAt(0)), "piece starts mid-character: " + pieces);
                assertFalse(Character.isHighSurrogate(p.charAt(p.length() - 1)), "piece ends mid-character: " + pieces);
            }
        }
    }

    /** The data: payloads of an SSE response, read as UTF-8 bytes (not whatever charset a client library assumes). */
    private static List<String> sse(String path, String body) throws Exception {
        HttpResponse<byte[]> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + path))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        List<String> data = new ArrayList<>();
        for (String line : new String(r.body(), StandardCharsets.UTF_8).split("\n"))
            if (line.startsWith("data:")) data.add(line.substring(5).trim());
        return data;
    }
}
