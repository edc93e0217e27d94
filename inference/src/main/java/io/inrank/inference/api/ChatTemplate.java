package io.inrank.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How chat messages become a prompt for a model that has no chat template (GPT-2): one line per message in a plain
 * format, {@code "{role}: {content}\n"} with roles named System, User and Assistant, then the assistant's prefix
 * ({@code "Assistant:"}) for the model to continue. The reply stops where the model starts the next turn (a newline
 * followed by any role's marker). All three parts are configuration ({@code inrank.serve.chat.*}).
 */
record ChatTemplate(String messageFormat, String assistantPrefix, Map<String, String> roles) {

    static final String DEFAULT_FORMAT = "{role}: {content}\\n",
            DEFAULT_PREFIX = "Assistant:",
            DEFAULT_ROLES = "system=System,user=User,assistant=Assistant";

    /** From the configured strings; {@code \n} in the format stands for a newline. */
    static ChatTemplate of(String format, String prefix, String roles) {
        Map<String, String> names = new LinkedHashMap<>();
        for (String pair : roles.split(",")) {
            String[] kv = pair.split("=", 2);
            if (kv.length != 2 || kv[0].isBlank() || kv[1].isBlank())
                throw new IllegalArgumentException(
                        "inrank.serve.chat.roles: expected role=Name pairs, got '" + roles + "'");
            names.put(kv[0].trim(), kv[1].trim());
        }
        for (String r : List.of("system", "user", "assistant"))
            if (!names.containsKey(r)) throw new IllegalArgumentException("inrank.serve.chat.roles: no name for " + r);
        String f = format.replace("\\n", "\n");
        if (!f.contains("{role}") || !f.contains("{content}"))
            throw new IllegalArgumentException(
                    "inrank.serve.chat.message-format needs {role} and {content}: " + format);
        return new ChatTemplate(f, prefix, names);
    }

    static ChatTemplate plain() {
        return of(DEFAULT_FORMAT, DEFAULT_PREFIX, DEFAULT_ROLES);
    }

    /** The prompt; refuses unknown roles and non-text content with a message naming the message. */
    String render(List<ChatApi.Message> messages) {
        if (messages == null || messages.isEmpty()) throw ApiError.validation("messages must be a non-empty list");
        StringBuilder p = new StringBuilder();
        for (int i = 0; i < messages.size(); i++) {
            ChatApi.Message m = messages.get(i);
            if (m != null && ("tool".equals(m.role()) || "function".equals(m.role())))
                throw ApiError.validation(
                        "messages[" + i + "].role '" + m.role() + "': tool calling is not implemented by this server");
            if (m != null
                    && m.toolCalls() != null
                    && !m.toolCalls().isNull()
                    && !m.toolCalls().isEmpty())
                throw ApiError.validation(
                        "messages[" + i + "].tool_calls: tool calling is not implemented by this server");
            // OpenAI's developer role is the system role of newer models: the system's name unless one is configured
            String role = m == null
                    ? null
                    : "developer".equals(m.role()) && !roles.containsKey("developer") ? "system" : m.role();
            if (role == null || !roles.containsKey(role))
                throw ApiError.validation("messages[" + i + "].role must be one of " + String.join(", ", roles.keySet())
                        + ", developer, got " + (m == null ? "null" : "'" + m.role() + "'"));
            p.append(messageFormat.replace("{role}", roles.get(role)).replace("{content}", text(m.content(), i)));
        }
        return p.append(assistantPrefix).toString();
    }

    private static String text(JsonNode content, int i) {
        if (content == null || content.isNull()) throw ApiError.validation("messages[" + i + "].content is missing");
        if (content.isTextual()) return content.asText();
        if (content.isArray()) {
            StringBuilder s = new StringBuilder();
            for (int j = 0; j < content.size(); j++) {
                JsonNode part = content.get(j);
                String type = part.path("type").asText();
                if (!"text".equals(type))
                    throw ApiError.validation("messages[" + i + "].content[" + j + "]: a part of type '" + type
                            + "'; only {\"type\": \"text\", \"text\": …} parts are supported (this model reads text"
                            + " only)");
                if (!part.path("text").isTextual())
                    throw ApiError.validation("messages[" + i + "].content[" + j + "].text must be a string");
                s.append(part.path("text").asText());
            }
            return s.toString();
        }
        throw ApiError.validation("messages[" + i + "].content must be a string or a list of text parts");
    }

    /** Where the reply ends: a new line that starts another turn. */
    List<String> turnStops() {
        List<String> out = new ArrayList<>();
        for (String name : roles.values()) {
            String marker = messageFormat.substring(0, messageFormat.indexOf("{role}")) + name;
            String after =
                    messageFormat.substring(messageFormat.indexOf("{role}") + 6, messageFormat.indexOf("{content}"));
            out.add("\n" + marker + after.stripTrailing());
        }
        return out;
    }
}
