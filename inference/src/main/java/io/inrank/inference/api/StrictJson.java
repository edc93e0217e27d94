package io.inrank.inference.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Request bodies are read as their JSON types say, for every field of every API at once: Jackson's defaults coerce
 * {@code "max_new_tokens": "10"} to 10, {@code 1.5} to 1, {@code "inputs": 123} to "123" and {@code "stream": "yes"}
 * to a failure only later. Here a number field takes a JSON number (an integer field an integral one), a string field
 * a string, a flag true or false; anything else is 422 naming the field ({@link ErrorMappers#mismatch}). {@code null}
 * stays "the default" everywhere. Non-finite numbers are not JSON (Jackson refuses NaN by default); a literal too big
 * for a double (1e400) still reads as infinity, so ranges are checked where the value is used ({@link Requests}).
 */
@Singleton
public class StrictJson implements ObjectMapperCustomizer {
    @Override
    public void customize(ObjectMapper m) {
        m.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        for (LogicalType t : new LogicalType[] {LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
            m.coercionConfigFor(t).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
            m.coercionConfigFor(t).setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        }
        m.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        // Jackson's StringDeserializer takes a scalar regardless of coercion configs unless this is off
        m.disable(MapperFeature.ALLOW_COERCION_OF_SCALARS);
        // unknown fields: refused (422 naming them) when strict, else skipped and reported (IgnoredParameters)
        boolean strict = ConfigProvider.getConfig()
                .getOptionalValue("inrank.serve.strict-parameters", Boolean.class)
                .orElse(false);
        m.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, strict);
        if (!strict) m.addHandler(new IgnoredParameters());
    }
}
