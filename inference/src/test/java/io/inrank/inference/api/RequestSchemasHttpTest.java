package io.inrank.inference.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.*;

import io.inrank.inference.TinyCheckpoint;
import io.inrank.tokenizer.Gpt2Tokenizer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The full TGI and OpenAI request schemas: every field a client sends is answered, null is the default. */
@QuarkusTest
@QuarkusTestResource(value = TinyCheckpoint.class, restrictToAnnotatedClass = true)
class RequestSchemasHttpTest {

    @BeforeEach
    void ready() throws Exception {
        Http.awaitModel();
    }

    static String greedy(String prompt, int n) {
        return Http.post(
                        "/generate",
                        "{\"inputs\":\"" + prompt + "\",\"parameters\":{\"max_new_tokens\":" + n + "}}",
                        200)
                .getString("generated_text");
    }

    static String refusal(String path, String body) {
        JsonPath r = Http.post(path, body, 422);
        return path.startsWith("/v1/") ? r.getString("error.message") : r.getString("error");
    }

    @Test
    void tgiAcceptsEveryGenerateParameter() {
        String base = greedy("The history of", 6);
        // every field at its default, as Hugging Face's InferenceClient.text_generation sends them
        JsonPath all = Http.post(
                "/generate",
                "{\"inputs\":\"The history of\",\"parameters\":{\"best_of\":null,\"decoder_input_details\":false,"
                        + "\"details\":true,\"do_sample\":false,\"frequency_penalty\":null,\"grammar\":null,"
                        + "\"max_new_tokens\":6,\"repetition_penalty\":null,\"return_full_text\":false,\"seed\":null,"
                        + "\"stop\":[],\"temperature\":null,\"top_k\":null,\"top_n_tokens\":null,\"top_p\":null,"
                        + "\"truncate\":null,\"typical_p\":null,\"watermark\":false,\"adapter_id\":null},\"stream\":false}",
                200);
        assertEquals(base, all.getString("generated_text"));
        assertEquals(
                "The history of" + base,
                Http.post(
                                "/generate",
                                "{\"inputs\":\"The history of\",\"parameters\":{\"max_new_tokens\":6,\"return_full_text\":true}}",
                                200)
                        .getString("generated_text"));
        // typical_p and frequency_penalty sample; seeded, they are reproducible
        String typical = "{\"inputs\":\"The history of\",\"parameters\":{\"max_new_tokens\":8,\"typical_p\":0.5,"
                + "\"frequency_penalty\":0.5,\"seed\":5}}";
        assertEquals(
                Http.post("/generate", typical, 200).getString("generated_text"),
                Http.post("/generate", typical, 200).getString("generated_text"));
        assertTrue(refusal("/generate", "{\"inputs\":\"x\",\"parameters\":{\"watermark\":true}}")
                .contains("watermark"));
        assertTrue(
                refusal("/generate", "{\"inputs\":\"x\",\"parameters\":{\"grammar\":{\"type\":\"json\",\"value\":{}}}}")
                        .contains("grammar"));
        assertTrue(refusal("/generate", "{\"inputs\":\"x\",\"parameters\":{\"adapter_id\":\"lora\"}}")
                .contains("adapter_id"));
        assertTrue(refusal("/generate", "{\"inputs\":\"x\",\"parameters\":{\"best_of\":2}}")
                .contains("needs sampling"));
    }

    @Test
    void unknownFieldsAreIgnoredAndNamed() {
        String[][] cases = {
            {
                "/generate",
                "{\"inputs\":\"x\",\"options\":{\"wait_for_model\":true},\"parameters\":{\"max_new_tokens\":1,\"foo\":1}}",
                "options, parameters.foo"
            },
            {"/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":1,\"foo\":[1,2]}", "foo"},
            {
                "/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"refusal\":null}],"
                        + "\"max_tokens\":1,\"reasoning_effort\":\"low\"}",
                "messages[].refusal, reasoning_effort"
            },
            {"/", "{\"inputs\":\"x\",\"bar\":1}", "bar"}
        };
        for (String[] c : cases) {
            var r = given().contentType(ContentType.JSON).body(c[1]).post(c[0]);
            assertEquals(200, r.statusCode(), r.asString());
            assertEquals(
                    new java.util.TreeSet<>(List.of(c[2].split(", "))),
                    new java.util.TreeSet<>(
                            List.of(r.header(IgnoredParameters.HEADER).split(", "))),
                    c[0]);
        }
        assertNull(
                given().contentType(ContentType.JSON)
                        .body("{\"inputs\":\"x\",\"parameters\":{\"max_new_tokens\":1}}")
                        .post("/generate")
                        .header(IgnoredParameters.HEADER),
                "no header when nothing was ignored");
    }

    @Test
    void tgiBestOfAnswersTheMostLikelyCandidate() {
        JsonPath r = Http.post(
                "/generate",
                "{\"inputs\":\"The history of\",\"parameters\":{\"max_new_tokens\":5,\"best_of\":3,\"do_sample\":true,"
                        + "\"seed\":1,\"details\":true}}",
                200);
        List<Object> others = r.getList("details.best_of_sequences");
        assertEquals(2, others.size());
        double best = r.getList("details.tokens.logprob", Float.class).stream()
                .mapToDouble(Float::doubleValue)
                .sum();
        for (int i = 0; i < 2; i++) {
            double other = r.getList("details.best_of_sequences[" + i + "].tokens.logprob", Float.class).stream()
                    .mapToDouble(Float::doubleValue)
                    .sum();
            assertTrue(best >= other - 1e-5, "the answer is the most likely candidate: " + best + " vs " + other);
        }
    }

    @Test
    void completionsTakeEveryPromptShape() {
        String a = greedy("The history of", 4), b = greedy("Once upon", 4);
        JsonPath two = Http.post(
                "/v1/completions",
                "{\"prompt\":[\"The history of\",\"Once upon\"],\"max_tokens\":4,\"temperature\":0}",
                200);
        assertEquals(List.of(0, 1), two.getList("choices.index"));
        assertEquals(List.of(a, b), two.getList("choices.text"));
        int[] ids = Gpt2Tokenizer.encode("The history of");
        String idList = Arrays.toString(ids).replace(" ", "");
        assertEquals(
                a,
                Http.post("/v1/completions", "{\"prompt\":" + idList + ",\"max_tokens\":4,\"temperature\":0}", 200)
                        .getString("choices[0].text"));
        JsonPath lists = Http.post(
                "/v1/completions",
                "{\"prompt\":[" + idList + "," + idList + "],\"max_tokens\":4,\"temperature\":0,\"echo\":true}",
                200);
        assertEquals(List.of("The history of" + a, "The history of" + a), lists.getList("choices.text"));
        assertTrue(refusal("/v1/completions", "{\"prompt\":[99999999],\"max_tokens\":1}")
                .contains("vocabulary"));
        assertTrue(refusal("/v1/completions", "{\"prompt\":[\"a\",3],\"max_tokens\":1}")
                .contains("prompt[1]"));
    }

    @Test
    void completionsNAndBestOfAreSeededPerChoice() {
        String body = "{\"prompt\":\"The history of\",\"max_tokens\":6,\"n\":3,\"seed\":9}";
        JsonPath r = Http.post("/v1/completions", body, 200);
        assertEquals(List.of(0, 1, 2), r.getList("choices.index"));
        assertEquals(
                r.getList("choices.text"),
                Http.post("/v1/completions", body, 200).getList("choices.text"));
        String one = Http.post("/v1/completions", "{\"prompt\":\"The history of\",\"max_tokens\":6,\"seed\":10}", 200)
                .getString("choices[0].text");
        assertEquals(one, r.getString("choices[1].text"), "choice i draws with seed + i");
        JsonPath best = Http.post(
                "/v1/completions",
                "{\"prompt\":\"The history of\",\"max_tokens\":6,\"n\":1,\"best_of\":3,\"seed\":9}",
                200);
        assertEquals(1, best.getList("choices").size());
        assertEquals(18, best.getInt("usage.completion_tokens"), "best_of's candidates are all generated");
    }

    @Test
    void penaltiesLogitBiasAndVllmExtensions() {
        String base = greedy("The history of", 8);
        int first = Gpt2Tokenizer.encode(base)[0];
        // a banned token never appears, whatever the model prefers
        JsonPath banned = Http.post(
                "/v1/completions",
                "{\"prompt\":\"The history of\",\"max_tokens\":8,\"temperature\":0,\"logprobs\":0,\"logit_bias\":{\""
                        + first + "\":-100}}",
                200);
        assertFalse(banned.getList("choices[0].logprobs.tokens").contains(Gpt2Tokenizer.decode(new int[] {first})));
        assertNotEquals(base, banned.getString("choices[0].text"));
        JsonPath ext = Http.post(
                "/v1/completions",
                "{\"prompt\":\"The history of\",\"max_tokens\":8,\"top_k\":20,\"min_p\":0.05,\"typical_p\":0.9,"
                        + "\"repetition_penalty\":1.2,\"frequency_penalty\":0.5,\"presence_penalty\":0.3,"
                        + "\"min_tokens\":8,\"ignore_eos\":false,\"stop_token_ids\":[],\"seed\":3,\"do_sample\":true,"
                        + "\"user\":\"u1\"}",
                200);
        assertEquals(8, ext.getInt("usage.completion_tokens"), "min_tokens keeps EOS away");
        // do_sample false on the OpenAI route (Hugging Face's JS client sends it): greedy
        assertEquals(
                base,
                Http.post(
                                "/v1/completions",
                                "{\"prompt\":\"The history of\",\"max_tokens\":8,\"do_sample\":false}",
                                200)
                        .getString("choices[0].text"));
        int stopAt = Gpt2Tokenizer.encode(base)[2];
        JsonPath stopped = Http.post(
                "/v1/completions",
                "{\"prompt\":\"The history of\",\"max_tokens\":8,\"temperature\":0,\"stop_token_ids\":[" + stopAt
                        + "]}",
                200);
        assertEquals("stop", stopped.getString("choices[0].finish_reason"));
        assertTrue(base.startsWith(stopped.getString("choices[0].text")));
        assertTrue(refusal("/v1/completions", "{\"prompt\":\"x\",\"frequency_penalty\":3}")
                .contains("frequency_penalty"));
        assertTrue(refusal("/v1/completions", "{\"prompt\":\"x\",\"logit_bias\":{\"abc\":1}}")
                .contains("logit_bias"));
    }

    @Test
    void chatTakesTheRolesAndFieldsOfCurrentClients() {
        Http.post(
                "/v1/chat/completions",
                "{\"messages\":[{\"role\":\"developer\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"name\":\"ann\","
                        + "\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}]}],\"max_completion_tokens\":3,"
                        + "\"response_format\":{\"type\":\"text\"},\"tools\":null,\"tool_choice\":\"none\","
                        + "\"parallel_tool_calls\":false,\"frequency_penalty\":0,\"presence_penalty\":0,\"logit_bias\":{},"
                        + "\"metadata\":{\"k\":\"v\"},\"store\":false,\"service_tier\":\"auto\",\"top_k\":5,\"n\":1}",
                200);
        assertTrue(refusal(
                        "/v1/chat/completions",
                        "{\"messages\":[{\"role\":\"tool\",\"content\":\"42\",\"tool_call_id\":\"c1\"}]}")
                .contains("role 'tool'"));
        assertTrue(refusal(
                        "/v1/chat/completions",
                        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}]}]}")
                .contains("content[0]: a part of type 'image_url'"));
        assertTrue(refusal(
                        "/v1/chat/completions",
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"response_format\":{\"type\":\"json_object\"}}")
                .contains("json_object"));
    }

    @Test
    void echoWithLogprobsScoresThePromptAsLmEvalHarnessAsks() {
        // the prompt's log-probabilities as TGI's decoder_input_details reports them
        List<Float> prefill = Http.post(
                        "/generate",
                        "{\"inputs\":\"The history of\",\"parameters\":{\"max_new_tokens\":1,\"details\":true,"
                                + "\"decoder_input_details\":true}}",
                        200)
                .getList("details.prefill.logprob", Float.class);
        JsonPath r = Http.post(
                "/v1/completions",
                "{\"prompt\":\"The history of\",\"max_tokens\":0,\"echo\":true,\"logprobs\":1,\"temperature\":0}",
                200);
        assertEquals("The history of", r.getString("choices[0].text"));
        assertEquals(List.of("The", " history", " of"), r.getList("choices[0].logprobs.tokens"));
        List<Float> lp = r.getList("choices[0].logprobs.token_logprobs", Float.class);
        assertNull(lp.get(0), "nothing precedes the first token");
        for (int i = 1; i < 3; i++) assertEquals(prefill.get(i), lp.get(i), 1e-5);
        assertEquals(0, r.getInt("usage.completion_tokens"));
        assertEquals(List.of(0, 3, 11), r.getList("choices[0].logprobs.text_offset"));
        JsonPath more = Http.post(
                "/v1/completions",
                "{\"prompt\":\"The history of\",\"max_tokens\":2,\"echo\":true,\"logprobs\":0,\"temperature\":0}",
                200);
        assertEquals(5, more.getList("choices[0].logprobs.tokens").size(), "the prompt's 3 then the 2 generated");
        assertTrue(refusal("/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":0}")
                .contains("0 only with echo"));
    }

    @Test
    void chatAnswersNChoicesSeededPerChoice() {
        String msgs = "[{\"role\":\"user\",\"content\":\"Hi\"}]";
        JsonPath three = Http.post(
                "/v1/chat/completions", "{\"messages\":" + msgs + ",\"max_tokens\":4,\"n\":3,\"seed\":6}", 200);
        assertEquals(List.of(0, 1, 2), three.getList("choices.index"));
        assertEquals(
                Http.post("/v1/chat/completions", "{\"messages\":" + msgs + ",\"max_tokens\":4,\"seed\":8}", 200)
                        .getString("choices[0].message.content"),
                three.getString("choices[2].message.content"),
                "choice i draws with seed + i");
        String sse = given().contentType(ContentType.JSON)
                .body("{\"messages\":" + msgs + ",\"max_tokens\":3,\"n\":2,\"stream\":true,\"seed\":6}")
                .post("/v1/chat/completions")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertTrue(sse.contains("\"index\":1"), sse);
        assertEquals(1, sse.split("\\[DONE\\]", -1).length - 1, sse);
    }

    @Test
    void severalChoicesStreamWithTheirIndexThenOneDone() {
        String sse = given().contentType(ContentType.JSON)
                .body(
                        "{\"prompt\":[\"The history of\",\"Once upon\"],\"max_tokens\":3,\"stream\":true,\"n\":2,\"seed\":4}")
                .post("/v1/completions")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        for (int i = 0; i < 4; i++) assertTrue(sse.contains("\"index\":" + i), sse);
        assertEquals(1, sse.split("\\[DONE\\]", -1).length - 1, sse);
        assertTrue(sse.strip().endsWith("data: [DONE]"), sse);
    }
}
