package io.inrank.inference.api;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The clients people actually use, installed by name from npm at pinned versions (src/test/js/package.json:
 * {@code openai}, {@code @huggingface/inference}), against the packaged server over real HTTP: completions plain and
 * streamed, chat plain and streamed, seeded reproducibility (plain = streamed), stop sequences, logprobs, and
 * refusals arriving as the SDK's typed errors. Skipped, with the reason, where Node or npm is not installed.
 */
class ClientCompatIT {
    static final Path JS = Path.of("src/test/js");
    static final ObjectMapper JSON = new ObjectMapper();

    static String tool(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            if (Files.isExecutable(Path.of(dir, name)))
                return Path.of(dir, name).toString();
        return null;
    }

    static String run(List<String> cmd, Path dir, int seconds) throws Exception {
        Process p = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), cmd + " did not finish:\n" + out);
        assertEquals(0, p.exitValue(), cmd + " failed:\n" + out);
        return out;
    }

    @Test
    void theOpenAiAndHuggingFaceClientsWork() throws Exception {
        String node = tool("node"), npm = tool("npm");
        Assumptions.assumeTrue(node != null && npm != null, "Node.js and npm are not installed: client test skipped");
        if (!Files.isDirectory(JS.resolve("node_modules/openai"))
                || !Files.isDirectory(JS.resolve("node_modules/@huggingface")))
            run(List.of(npm, "ci", "--no-audit", "--no-fund"), JS, 300);

        try (PackagedServer server = PackagedServer.start()) {
            String out = run(List.of(node, "clients.mjs", server.url), JS, 180);
            System.out.println("client calls against the packaged server:\n" + out);
            Map<String, JsonNode> calls = new LinkedHashMap<>();
            for (String line : out.split("\n"))
                if (line.startsWith("{")) {
                    JsonNode n = JSON.readTree(line);
                    calls.put(n.get("call").asText(), n);
                }
            check(calls);
        }
    }

    static JsonNode ok(Map<String, JsonNode> calls, String name) {
        JsonNode n = calls.get(name);
        assertNotNull(n, "no result for " + name);
        assertTrue(n.get("ok").asBoolean(), name + " failed: " + n);
        return n.get("result");
    }

    static void check(Map<String, JsonNode> calls) {
        assertEquals("served", ok(calls, "openai models.list").get(0).asText());

        JsonNode c = ok(calls, "openai completions");
        assertEquals("served", c.get("model").asText(), "the served id comes back whatever model was asked for");
        assertEquals(8, c.get("usage").get("completion_tokens").asInt());
        String text = c.get("text").asText();
        assertEquals(text, ok(calls, "openai completions stream").get("text").asText(), "seeded: streamed = plain");

        JsonNode stop = ok(calls, "openai completions stop");
        assertEquals("stop", stop.get("finish_reason").asText(), stop.toString());
        assertEquals(stop.get("expected").asText(), stop.get("text").asText(), "the text ends just before the stop");

        JsonNode lp = ok(calls, "openai completions logprobs");
        assertEquals(4, lp.get("tokens").size());
        assertEquals(4, lp.get("top").asInt());
        for (JsonNode v : lp.get("token_logprobs")) assertTrue(v.asDouble() < 0, lp.toString());

        JsonNode chat = ok(calls, "openai chat");
        assertEquals("assistant", chat.get("role").asText());
        String content = chat.get("content").asText();
        JsonNode stream = ok(calls, "openai chat stream");
        assertEquals(content, stream.get("content").asText(), "seeded: streamed chat = plain chat");
        assertEquals(chat.get("usage"), stream.get("usage"), "include_usage gives the same usage");
        JsonNode chatLp = ok(calls, "openai chat logprobs");
        assertTrue(chatLp.size() > 0);
        assertEquals(2, chatLp.get(0).get("top").asInt());

        JsonNode nb = ok(calls, "openai completions n and best_of");
        assertEquals("[0,1]", nb.get("choices").toString(), "n = 2 choices");
        assertEquals(12, nb.get("completion_tokens").asInt(), "best_of = 3 candidates of 4 tokens generated");
        assertEquals(
                2,
                ok(calls, "openai completions list prompt, penalties, logit_bias")
                        .get("choices")
                        .asInt());
        assertEquals(
                4,
                ok(calls, "openai completions vLLM extensions")
                        .get("completion_tokens")
                        .asInt());
        for (String[] e :
                new String[][] {{"openai error suffix", "suffix"}, {"openai error json_object", "json_object"}}) {
            JsonNode n = calls.get(e[0]);
            assertFalse(n.get("ok").asBoolean(), n.toString());
            assertEquals(422, n.get("status").asInt(), n.toString());
            assertEquals("UnprocessableEntityError", n.get("error").asText(), "the SDK's typed error");
            assertTrue(n.get("message").asText().contains(e[1]), n.toString());
        }
        assertTrue(
                ok(calls, "hf textGeneration TGI parameters").asText().startsWith("The history of"),
                "return_full_text: the prompt comes first");

        assertEquals(text, ok(calls, "hf textGeneration").asText(), "Hugging Face's client gets the same seeded text");
        assertEquals(text, ok(calls, "hf textGenerationStream").asText());
        assertEquals(content, ok(calls, "hf chatCompletion").asText());
    }
}
