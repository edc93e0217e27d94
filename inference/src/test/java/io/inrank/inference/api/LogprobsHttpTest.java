package io.inrank.inference.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.*;

import io.inrank.inference.TinyCheckpoint;
import io.inrank.model.GptModel;
import io.inrank.model.backend.Backends;
import io.inrank.model.io.Checkpoint;
import io.inrank.tokenizer.Gpt2Tokenizer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Log-probabilities on every API against a full softmax: the served values (from the KV-cache decode the sampler used)
 * equal log-softmax of the raw logits of one plain forward over prompt + generated tokens, computed here in double.
 */
@QuarkusTest
@QuarkusTestResource(value = TinyCheckpoint.class, restrictToAnnotatedClass = true)
class LogprobsHttpTest {

    @BeforeEach
    void ready() throws Exception {
        Http.awaitModel();
    }

    static JsonPath post(String path, String body, int status) {
        return Http.post(path, body, status);
    }

    /** log p(next | prefix) for every position of prompt + generated, from one forward without a cache. */
    static double[][] fullSoftmax(int[] tokens) throws Exception {
        var loaded = Checkpoint.load(Backends.open("nd4j"), TinyCheckpoint.dir, 1, tokens.length);
        GptModel m = loaded.model();
        m.forward(tokens, null, false);
        double[] z = m.backend().toHost(m.logits());
        int v = z.length / tokens.length;
        double[][] out = new double[tokens.length][v];
        for (int p = 0; p < tokens.length; p++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int i = 0; i < v; i++) max = Math.max(max, z[p * v + i]);
            for (int i = 0; i < v; i++) sum += Math.exp(z[p * v + i] - max);
            for (int i = 0; i < v; i++) out[p][i] = z[p * v + i] - max - Math.log(sum);
        }
        return out;
    }

    static int[] concat(int[] a, List<Integer> b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.size());
        for (int i = 0; i < b.size(); i++) out[a.length + i] = b.get(i);
        return out;
    }

    @Test
    void tgiDetailsAndStreamCarryTheModelsLogprobsAndTopTokens() throws Exception {
        String body = "{\"inputs\":\"The history of\",\"parameters\":{\"max_new_tokens\":6,\"details\":true,"
                + "\"top_n_tokens\":3,\"do_sample\":true,\"temperature\":0.7,\"seed\":11}}";
        JsonPath r = post("/generate", body, 200);
        int[] prompt = Gpt2Tokenizer.encode("The history of");
        List<Integer> ids = r.getList("details.tokens.id", Integer.class);
        double[][] ref = fullSoftmax(concat(prompt, ids));
        double worst = 0;
        for (int i = 0; i < ids.size(); i++) {
            double want = ref[prompt.length - 1 + i][ids.get(i)];
            worst = Math.max(worst, Math.abs(r.getDouble("details.tokens[" + i + "].logprob") - want));
            List<Integer> top = r.getList("details.top_tokens[" + i + "].id", Integer.class);
            assertEquals(3, top.size());
            double[] row = ref[prompt.length - 1 + i];
            for (int j = 0; j < 3; j++) {
                worst = Math.max(
                        worst,
                        Math.abs(r.getDouble("details.top_tokens[" + i + "][" + j + "].logprob") - row[top.get(j)]));
                for (int t = 0; t < row.length; t++)
                    if (!top.contains(t))
                        assertTrue(row[t] <= row[top.get(j)] + 1e-5, "top tokens are the most likely");
            }
        }
        System.out.printf("TGI logprobs vs full softmax: max |diff| %.2e over %d tokens%n", worst, ids.size());
        assertTrue(worst < 1e-4, "float32 decode vs float64 softmax of one forward: " + worst);

        // the stream carries the same values, token by token (TGI always sends logprob)
        var s = given().contentType(ContentType.JSON)
                .body(body.replace(",\"details\":true", ""))
                .post("/generate_stream");
        List<Double> streamed = new ArrayList<>();
        for (String line : s.asString().split("\n"))
            if (line.startsWith("data:")) streamed.add(new JsonPath(line.substring(5)).getDouble("token.logprob"));
        assertEquals(ids.size(), streamed.size());
        for (int i = 0; i < ids.size(); i++)
            assertEquals(r.getDouble("details.tokens[" + i + "].logprob"), streamed.get(i), 0.0, "token " + i);
    }

    @Test
    void tgiPrefillDetailsGiveEachPromptTokensLogprob() throws Exception {
        String prompt = "The history of the world";
        JsonPath r = post(
                "/generate",
                "{\"inputs\":\"" + prompt + "\",\"parameters\":{\"max_new_tokens\":2,\"details\":true,"
                        + "\"decoder_input_details\":true}}",
                200);
        int[] ids = Gpt2Tokenizer.encode(prompt);
        List<Integer> prefill = r.getList("details.prefill.id", Integer.class);
        assertEquals(ids.length, prefill.size());
        assertNull(r.get("details.prefill[0].logprob"), "nothing precedes the first prompt token");
        double[][] ref = fullSoftmax(ids);
        for (int i = 1; i < ids.length; i++) {
            assertEquals(ids[i], prefill.get(i));
            assertEquals(
                    ref[i - 1][ids[i]], r.getDouble("details.prefill[" + i + "].logprob"), 1e-4, "prompt token " + i);
        }
        assertTrue(post("/generate_stream", "{\"inputs\":\"x\",\"parameters\":{\"decoder_input_details\":true}}", 422)
                .getString("error")
                .contains("streaming"));
        assertTrue(post("/generate", "{\"inputs\":\"x\",\"parameters\":{\"decoder_input_details\":true}}", 422)
                .getString("error")
                .contains("details=true"));
    }

    @Test
    void openAiCompletionsAndChatLogprobs() throws Exception {
        JsonPath c = post(
                "/v1/completions",
                "{\"prompt\":\"The history of\",\"max_tokens\":5,\"temperature\":0,\"logprobs\":2}",
                200);
        List<String> tokens = c.getList("choices[0].logprobs.tokens", String.class);
        List<Float> lps = c.getList("choices[0].logprobs.token_logprobs", Float.class);
        List<Integer> offsets = c.getList("choices[0].logprobs.text_offset", Integer.class);
        assertEquals(5, tokens.size());
        assertEquals(String.join("", tokens), c.getString("choices[0].text"));
        assertEquals(0, offsets.get(0));
        for (int i = 1; i < 5; i++)
            assertEquals(offsets.get(i - 1) + tokens.get(i - 1).length(), offsets.get(i));
        int[] prompt = Gpt2Tokenizer.encode("The history of");
        List<Integer> ids = new ArrayList<>();
        for (int id : Gpt2Tokenizer.encode(c.getString("choices[0].text"))) ids.add(id);
        double[][] ref = fullSoftmax(concat(prompt, ids));
        for (int i = 0; i < 5; i++) {
            assertEquals(ref[prompt.length - 1 + i][ids.get(i)], lps.get(i), 1e-4, "token " + i);
            // greedy: the chosen token is the most likely one
            var top = c.getMap("choices[0].logprobs.top_logprobs[" + i + "]");
            assertEquals(2, top.size());
            assertEquals(lps.get(i), ((Number) top.values().iterator().next()).floatValue(), 1e-6);
        }
        // streamed: the same tokens, spread over the chunks
        var s = given().contentType(ContentType.JSON)
                .body(
                        "{\"prompt\":\"The history of\",\"max_tokens\":5,\"temperature\":0,\"logprobs\":2,\"stream\":true}")
                .post("/v1/completions");
        List<String> streamed = new ArrayList<>();
        for (String line : s.asString().split("\n"))
            if (line.startsWith("data: {"))
                streamed.addAll(new JsonPath(line.substring(6)).getList("choices[0].logprobs.tokens", String.class));
        assertEquals(tokens, streamed);

        JsonPath chat = post(
                "/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":4,\"temperature\":0,"
                        + "\"logprobs\":true,\"top_logprobs\":2}",
                200);
        List<Float> chatLps = chat.getList("choices[0].logprobs.content.logprob", Float.class);
        assertFalse(chatLps.isEmpty());
        assertEquals(
                2, chat.getList("choices[0].logprobs.content[0].top_logprobs").size());
        assertEquals(chatLps.get(0), chat.getFloat("choices[0].logprobs.content[0].top_logprobs[0].logprob"), 1e-6);
        assertTrue(post("/v1/completions", "{\"prompt\":\"x\",\"logprobs\":9}", 422)
                .getString("error.message")
                .contains("logprobs must be in [0, 5]"));
        assertTrue(post(
                        "/v1/chat/completions",
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"top_logprobs\":2}",
                        422)
                .getString("error.message")
                .contains("needs logprobs=true"));
    }
}
