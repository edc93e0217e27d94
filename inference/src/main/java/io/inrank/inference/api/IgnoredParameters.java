package io.inrank.inference.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Request fields this server does not know, when {@code inrank.serve.strict-parameters} is false (the default): the
 * value is skipped, as TGI and vLLM skip it — clients send fields of newer API versions and of other servers — and the
 * request is answered. Nothing is silent: each request's ignored fields (full paths, e.g. {@code parameters.foo}) are
 * logged once as a warning and returned in the response header {@value #HEADER}. The list lives in the request's Vert.x
 * context (the body is read on the request's own context), so concurrent requests never see each other's.
 */
final class IgnoredParameters extends DeserializationProblemHandler {
    static final String HEADER = "X-Inrank-Ignored-Parameters";
    private static final String KEY = "inrank.ignored-parameters";

    @Override
    public boolean handleUnknownProperty(
            DeserializationContext ctxt, JsonParser p, JsonDeserializer<?> deserializer, Object bean, String name)
            throws IOException {
        p.skipChildren();
        List<String> list = current();
        Class<?> type = bean instanceof Class<?> c ? c : bean == null ? null : bean.getClass();
        if (list != null && list.size() < 32) list.add(prefix(type) + name);
        return true;
    }

    /**
     * Where a request type sits in its body. The parser's position cannot say: a record's fields are buffered until
     * all are read, so an unknown field is reported after its neighbours.
     */
    private static String prefix(Class<?> type) {
        if (type == TgiApi.Parameters.class) return "parameters.";
        if (type == ChatApi.Message.class) return "messages[].";
        if (type == OpenAiApi.StreamOptions.class) return "stream_options.";
        return "";
    }

    private static List<String> current() {
        Context ctx = Vertx.currentContext();
        if (ctx == null) return null;
        List<String> list = ctx.getLocal(KEY);
        if (list == null) {
            list = new ArrayList<>();
            ctx.putLocal(KEY, list);
        }
        return list;
    }

    /**
     * The ignored fields as the header's value (logged once as a warning), or null when there were none; forgets them.
     * Streamed routes call it and set the header themselves; {@link IgnoredParametersHeader} does it for the rest.
     */
    static String header(String method, String path) {
        List<String> ignored = take();
        if (ignored.isEmpty()) return null;
        String names = String.join(", ", ignored);
        Logger.getLogger(IgnoredParameters.class).warnf("%s %s: ignored unknown parameters %s", method, path, names);
        return names;
    }

    /** The fields ignored so far in this request (and forgets them), or an empty list. */
    static List<String> take() {
        Context ctx = Vertx.currentContext();
        List<String> list = ctx == null ? null : ctx.getLocal(KEY);
        if (list == null) return List.of();
        ctx.removeLocal(KEY);
        return list;
    }
}
