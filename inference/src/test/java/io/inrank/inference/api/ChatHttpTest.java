package io.inrank.inference.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.*;

import io.inrank.inference.TinyCheckpoint;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** POST /v1/chat/completions over real HTTP on a real (tiny, random) checkpoint: template, stream, refusals. */
@QuarkusTest
@QuarkusTestResource(value = TinyCheckpoint.class, restrictToAnnotatedClass = true)
class ChatHttpTest {
    static final String MESSAGES =
            "[{\"role\":\"system\",\"content\":\"You are terse.\"},{\"role\":\"user\",\"content\":\"Hi there\"}]";

    @BeforeEach
    void ready() throws Exception {
        Http.awaitModel();
    }

    static JsonPath post(String path, String body, int status) {
        return Http.post(path, body, status);
    }

    @Test
    void aChatIsItsTemplatedPromptCompletedUpToTheNextTurn() {
        JsonPath chat = post(
                "/v1/chat/completions",
                "{\"model\":\"anything\",\"messages\":" + MESSAGES + ",\"max_tokens\":12,\"temperature\":0}",
                200);
        assertEquals("chat.completion", chat.getString("object"));
        assertTrue(chat.getString("id").startsWith("chatcmpl-"));
        assertEquals("served", chat.getString("model"));
        assertEquals("assistant", chat.getString("choices[0].message.role"));
        assertEquals(0, chat.getInt("choices[0].index"));
        // the same prompt and stops through /v1/completions give the same text: the template is exactly this
        JsonPath plain = post(
                "/v1/completions",
                "{\"prompt\":\"System: You are terse.\\nUser: Hi there\\nAssistant:\",\"max_tokens\":12,\"temperature\":0,"
                        + "\"stop\":[\"\\nSystem:\",\"\\nUser:\",\"\\nAssistant:\"]}",
                200);
        assertEquals(plain.getString("choices[0].text"), chat.getString("choices[0].message.content"));
        assertEquals(plain.getString("choices[0].finish_reason"), chat.getString("choices[0].finish_reason"));
        assertEquals(plain.getInt("usage.prompt_tokens"), chat.getInt("usage.prompt_tokens"));
        // text parts are the same as a string
        JsonPath parts = post(
                "/v1/chat/completions",
                "{\"messages\":[{\"role\":\"system\",\"content\":[{\"type\":\"text\",\"text\":\"You are terse.\"}]},"
                        + "{\"role\":\"user\",\"content\":\"Hi there\"}],\"max_completion_tokens\":12,\"temperature\":0}",
                200);
        assertEquals(chat.getString("choices[0].message.content"), parts.getString("choices[0].message.content"));
    }

    @Test
    void aStreamedChatSpellsThePlainAnswerThenFinishUsageAndDone() {
        String body = "{\"messages\":" + MESSAGES + ",\"max_tokens\":10,\"temperature\":0.9,\"seed\":5";
        String plain = post("/v1/chat/completions", body + "}", 200).getString("choices[0].message.content");
        var r = given().contentType(ContentType.JSON)
                .accept("text/event-stream")
                .body(body + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}")
                .post("/v1/chat/completions");
        assertEquals(200, r.statusCode(), r.asString());
        assertTrue(r.getContentType().startsWith("text/event-stream"));
        List<String> events = new ArrayList<>();
        for (String line : r.asString().split("\n")) if (line.startsWith("data: ")) events.add(line.substring(6));
        assertEquals("[DONE]", events.get(events.size() - 1));
        JsonPath first = new JsonPath(events.get(0));
        assertEquals("chat.completion.chunk", first.getString("object"));
        assertEquals("assistant", first.getString("choices[0].delta.role"));
        StringBuilder text = new StringBuilder();
        for (String e : events.subList(1, events.size() - 3))
            text.append(new JsonPath(e).getString("choices[0].delta.content"));
        assertEquals(plain, text.toString(), "seeded: streamed text = plain text");
        JsonPath finish = new JsonPath(events.get(events.size() - 3));
        assertNotNull(finish.getString("choices[0].finish_reason"));
        JsonPath usage = new JsonPath(events.get(events.size() - 2));
        assertEquals(0, usage.getList("choices").size(), "the usage chunk has no choices");
        assertTrue(usage.getInt("usage.completion_tokens") >= 1);
    }

    @Test
    void refusalsNameTheProblem() {
        assertTrue(post("/v1/chat/completions", "{\"messages\":" + MESSAGES + ",\"n\":0}", 422)
                .getString("error.message")
                .contains("n must be in [1, 32]"));
        post("/v1/chat/completions", "{\"messages\":" + MESSAGES + ",\"tools\":[],\"max_tokens\":1}", 200);
        assertTrue(
                post("/v1/chat/completions", "{\"messages\":" + MESSAGES + ",\"tools\":[{\"type\":\"function\"}]}", 422)
                        .getString("error.message")
                        .contains("tools: tool calling is not implemented"));
        assertTrue(post("/v1/chat/completions", "{\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}", 422)
                .getString("error.message")
                .contains("messages[0].role"));
        assertTrue(post(
                        "/v1/chat/completions",
                        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{}}]}]}",
                        422)
                .getString("error.message")
                .contains("text"));
        assertTrue(post("/v1/chat/completions", "{\"messages\":[]}", 422)
                .getString("error.message")
                .contains("non-empty"));
        assertTrue(post("/v1/chat/completions", "{\"messages\":" + MESSAGES + ",\"stream_options\":{}}", 422)
                .getString("error.message")
                .contains("stream=true"));
        assertEquals(
                "invalid_request_error",
                post("/v1/chat/completions", "{\"messages\":" + MESSAGES + ",\"max_tokens\":500}", 422)
                        .getString("error.type"));
    }
}
