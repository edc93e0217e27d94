package io.inrank.inference.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/** What the HTTP tests share: waiting for the model, and a JSON POST that must answer with a given status. */
final class Http {
    private Http() {}

    /** Waits until the tiny checkpoint is loaded (readiness UP). */
    static void awaitModel() throws InterruptedException {
        for (int i = 0; i < 300 && given().get("/q/health/ready").statusCode() != 200; i++) Thread.sleep(100);
        assertEquals(200, given().get("/q/health/ready").statusCode(), "the model loads");
    }

    static JsonPath post(String path, String body, int status) {
        var r = given().contentType(ContentType.JSON).body(body).post(path);
        assertEquals(status, r.statusCode(), path + " " + body + " -> " + r.asString());
        return r.jsonPath();
    }
}
