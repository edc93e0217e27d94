package io.inrank.inference.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.*;

import io.inrank.inference.TinyCheckpoint;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A server started with an API key: generation needs the bearer key (401 in each API's shape without it), probes don't. */
@QuarkusTest
@TestProfile(ApiKeyHttpTest.WithKey.class)
@QuarkusTestResource(value = TinyCheckpoint.class, restrictToAnnotatedClass = true)
class ApiKeyHttpTest {
    static final String KEY = "sk-inrank-test-0123456789";

    public static class WithKey implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("inrank.serve.api-key", KEY);
        }
    }

    @BeforeEach
    void ready() throws Exception {
        Http.awaitModel();
    }

    static Response post(String path, String authorization) {
        var r = given().contentType(ContentType.JSON);
        if (authorization != null) r = r.header("Authorization", authorization);
        return r.body(
                        "{\"inputs\":\"Hello\",\"prompt\":\"Hello\",\"parameters\":{\"max_new_tokens\":2},\"max_tokens\":2}")
                .post(path);
    }

    @Test
    void generationNeedsTheBearerKey() {
        Response ok = given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + KEY)
                .body("{\"inputs\":\"Hello\",\"parameters\":{\"max_new_tokens\":2}}")
                .post("/generate");
        assertEquals(200, ok.statusCode(), ok.asString());
        Response lower = given().contentType(ContentType.JSON)
                .header("Authorization", "bearer " + KEY)
                .body("{\"prompt\":\"Hello\",\"max_tokens\":2}")
                .post("/v1/completions");
        assertEquals(200, lower.statusCode(), "the scheme is case-insensitive: " + lower.asString());

        Response none = post("/generate", null);
        assertEquals(401, none.statusCode(), none.asString());
        assertEquals("Bearer", none.header("WWW-Authenticate"));
        assertEquals("invalid_api_key", none.jsonPath().getString("error_type"));
        assertTrue(none.jsonPath().getString("error").contains("Authorization: Bearer"), none.asString());

        Response wrong = given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + KEY + "x")
                .body("{\"prompt\":\"Hello\",\"max_tokens\":2}")
                .post("/v1/completions");
        assertEquals(401, wrong.statusCode(), wrong.asString());
        assertEquals("invalid_api_key", wrong.jsonPath().getString("error.code"));
        assertEquals("invalid_request_error", wrong.jsonPath().getString("error.type"));
        assertFalse(wrong.asString().contains(KEY), "the key is never echoed");

        assertEquals(401, post("/generate_stream", "Basic " + KEY).statusCode());
        assertEquals(401, given().get("/v1/models").statusCode());
        assertEquals(401, given().get("/info").statusCode());
    }

    @Test
    void probesStayOpen() {
        assertEquals(200, given().get("/health").statusCode());
        assertEquals(200, given().get("/metrics").statusCode());
        assertEquals(200, given().get("/q/health/ready").statusCode());
        assertEquals(401, post("/generate", null).statusCode());
        assertEquals(200, given().get("/q/health/live").statusCode());
        assertEquals(200, given().get("/q/metrics").statusCode(), "the scrape stays open");
        // the OpenAPI document lists every route and parameter: it is behind the key like the routes themselves
        Response doc = given().get("/q/openapi");
        assertEquals(401, doc.statusCode(), doc.asString());
        assertEquals("Bearer", doc.header("WWW-Authenticate"));
        assertEquals(401, given().get("/q/openapi?format=json").statusCode());
        assertEquals(401, given().get("/q//openapi").statusCode(), "a doubled slash is the same route");
        assertEquals(
                200,
                given().header("Authorization", "Bearer " + KEY)
                        .get("/q/openapi")
                        .statusCode());
        String metrics = given().get("/metrics").asString();
        assertTrue(metrics.contains("outcome=\"unauthorized\""), "refusals are counted");
    }
}
