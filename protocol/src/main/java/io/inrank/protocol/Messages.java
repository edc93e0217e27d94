package io.inrank.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.regex.Pattern;

/**
 * JSON encoding of the message records. Readers ignore unknown fields (newer writers may add some) but refuse a
 * {@code version} newer than they know; every decoding problem becomes a {@link MalformedRecordException}.
 */
public final class Messages {
    private Messages() {}

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    public static byte[] encode(Object message) {
        try {
            return JSON.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String toJson(Object message, boolean pretty) {
        try {
            return pretty
                    ? JSON.writerWithDefaultPrettyPrinter().writeValueAsString(message)
                    : JSON.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decodes one message; never throws anything but {@link MalformedRecordException}. */
    public static <T> T decode(byte[] bytes, Class<T> type) {
        if (bytes == null || bytes.length == 0) {
            throw new MalformedRecordException(type.getSimpleName() + ": empty record");
        }
        try {
            T value = JSON.readValue(bytes, type);
            if (value == null) throw new MalformedRecordException(type.getSimpleName() + ": JSON null");
            return value;
        } catch (MalformedRecordException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new MalformedRecordException(type.getSimpleName() + ": " + rootMessage(e), e);
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
        int nl = m.indexOf('\n');
        return nl > 0 ? m.substring(0, nl) : m;
    }

    static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    static boolean isSha256(String s) {
        return s != null && SHA256.matcher(s).matches();
    }
}
