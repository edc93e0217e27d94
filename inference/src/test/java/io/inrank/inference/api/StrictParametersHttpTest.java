package io.inrank.inference.api;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inrank.inference.TinyCheckpoint;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** inrank.serve.strict-parameters=true: an unknown field is refused with 422 naming it, as before issue 28. */
@QuarkusTest
@TestProfile(StrictParametersHttpTest.Strict.class)
@QuarkusTestResource(value = TinyCheckpoint.class, restrictToAnnotatedClass = true)
class StrictParametersHttpTest {
    public static class Strict implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("inrank.serve.strict-parameters", "true");
        }
    }

    @BeforeEach
    void ready() throws Exception {
        Http.awaitModel();
    }

    @Test
    void unknownFieldsAreRefused() {
        assertTrue(Http.post("/generate", "{\"inputs\":\"x\",\"parameters\":{\"foo\":1}}", 422)
                .getString("error")
                .contains("unknown parameter 'foo'"));
        assertTrue(Http.post("/v1/completions", "{\"prompt\":\"x\",\"bar\":1}", 422)
                .getString("error.message")
                .contains("unknown parameter 'bar'"));
        Http.post("/generate", "{\"inputs\":\"x\",\"parameters\":{\"max_new_tokens\":1,\"typical_p\":0.9}}", 200);
    }
}
