package io.inrank.inference.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inrank.inference.TinyCheckpoint;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a client holding a valid key could send to break the server, each answered with a 4xx naming the field, and the
 * server still answering the next request. The server under test allows 11 requests in flight and a batch of 3, so a
 * request that leaked its place would show within a dozen.
 */
@QuarkusTest
@QuarkusTestResource(value = TinyCheckpoint.class, restrictToAnnotatedClass = true)
class HostileRequestsHttpTest {

    @BeforeEach
    void ready() throws Exception {
        Http.awaitModel();
    }

    static void refused(String path, String body, String says) {
        JsonPath r = Http.post(path, body, 422);
        String message = path.startsWith("/v1/") ? r.getString("error.message") : r.getString("error");
        assertTrue(message.contains(says), body + " -> " + message);
    }

    @Test
    void theOverflowingLengthIsRefusedAndTheServerKeepsServing() {
        // ids.length + 2147483647 overflowed to a negative sum and passed the context check; the request then failed
        // inside the engine holding its slot and place. Twelve of them: more than the server's 11 places.
        for (int i = 0; i < 12; i++) {
            refused(
                    "/generate",
                    "{\"inputs\":\"Hello\",\"parameters\":{\"max_new_tokens\":2147483647}}",
                    "max_new_tokens is 2147483647, more than the model's context of 128 tokens");
            refused("/v1/completions", "{\"prompt\":\"Hello\",\"max_tokens\":2147483647}", "max_tokens is 2147483647");
        }
        for (int i = 0; i < 15; i++)
            assertEquals(
                    3,
                    Http.post(
                                    "/generate",
                                    "{\"inputs\":\"Hello\",\"parameters\":{\"max_new_tokens\":3,\"details\":true}}",
                                    200)
                            .getInt("details.generated_tokens"));
        assertEquals(200, given().get("/q/health/live").statusCode());
        assertEquals(200, given().get("/health").statusCode());
        System.out.println("max_new_tokens 2147483647 ×12 → 422 each; the next 15 requests → 200; liveness UP");
    }

    @Test
    void numbersAndStringsAreTheirJsonTypesNotCoerced() {
        refused("/generate", "{\"inputs\":\"Hi\",\"parameters\":{\"max_new_tokens\":\"10\"}}", "max_new_tokens");
        refused("/generate", "{\"inputs\":\"Hi\",\"parameters\":{\"max_new_tokens\":1.5}}", "max_new_tokens");
        refused("/generate", "{\"inputs\":\"Hi\",\"parameters\":{\"max_new_tokens\":2147483648}}", "max_new_tokens");
        refused("/generate", "{\"inputs\":123}", "inputs");
        refused("/generate", "{\"inputs\":\"Hi\",\"parameters\":{\"do_sample\":\"true\"}}", "do_sample");
        refused("/generate", "{\"inputs\":\"Hi\",\"parameters\":{\"do_sample\":1}}", "do_sample");
        refused("/generate", "{\"inputs\":\"Hi\",\"parameters\":{\"temperature\":\"0.5\"}}", "temperature");
        refused("/generate", "{\"inputs\":\"Hi\",\"parameters\":{\"temperature\":1e400}}", "temperature");
        refused("/generate", "{\"inputs\":\"Hi\",\"parameters\":{\"seed\":18446744073709551616}}", "seed");
        refused("/generate", "{\"inputs\":\"Hi\",\"parameters\":{\"truncate\":-1}}", "truncate");
        refused("/v1/completions", "{\"prompt\":\"Hi\",\"max_tokens\":\"10\"}", "max_tokens");
        refused("/v1/completions", "{\"prompt\":\"Hi\",\"top_p\":1e999}", "top_p");
        refused(
                "/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":2.5}",
                "max_tokens");
        // null is the default everywhere
        Http.post(
                "/generate",
                "{\"inputs\":\"Hi\",\"parameters\":{\"max_new_tokens\":2,\"temperature\":null,\"seed\":null}}",
                200);
        Http.post("/v1/completions", "{\"prompt\":\"Hi\",\"max_tokens\":2,\"temperature\":null}", 200);
    }

    @Test
    void aVanishingTemperatureIsGreedyAndPenaltiesHaveARange() {
        String greedy = Http.post(
                        "/generate", "{\"inputs\":\"The history of\",\"parameters\":{\"max_new_tokens\":6}}", 200)
                .getString("generated_text");
        // 5e-324 divided the logits to infinity: NaN probabilities and always token 0 ("!")
        for (String t : new String[] {"5e-324", "1e-9"}) {
            String cold = Http.post(
                            "/generate",
                            "{\"inputs\":\"The history of\",\"parameters\":{\"max_new_tokens\":6,\"do_sample\":true,"
                                    + "\"temperature\":" + t + ",\"seed\":3}}",
                            200)
                    .getString("generated_text");
            assertEquals(greedy, cold, "temperature " + t + " is greedy");
        }
        refused(
                "/generate",
                "{\"inputs\":\"Hi\",\"parameters\":{\"repetition_penalty\":5e-324}}",
                "repetition_penalty must be in [0.01, 100]");
        refused("/generate", "{\"inputs\":\"Hi\",\"parameters\":{\"repetition_penalty\":1e300}}", "repetition_penalty");
        refused(
                "/generate",
                "{\"inputs\":\"Hi\",\"parameters\":{\"temperature\":101}}",
                "temperature must be in [0, 100]");
    }
}
