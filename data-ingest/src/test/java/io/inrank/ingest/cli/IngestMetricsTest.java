package io.inrank.ingest.cli;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inrank.ingest.Fixtures;
import io.inrank.ingest.IngestSettings;
import io.inrank.ingest.Ingestor;
import io.inrank.ingest.kafka.KafkaClients;
import io.inrank.ingest.source.Sources;
import io.inrank.kafka.KafkaLocalTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** /q/metrics reports what an ingest did; /q/health is up. Real broker via the Quarkus test resource. */
@QuarkusTest
@QuarkusTestResource(value = KafkaLocalTestResource.class, restrictToAnnotatedClass = true)
class IngestMetricsTest {

    @Inject
    IngestMetrics metrics;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void metricsCountBytesTokensAndBlocks() throws Exception {
        Path dir = Files.createTempDirectory("metrics");
        String text = Fixtures.wikiText(10, 8, 77);
        Files.writeString(dir.resolve("train.txt"), text);
        long tokens = Fixtures.referenceCount(text);
        IngestSettings s =
                IngestSettings.defaults("metrics").withBlockLength(32).withSplits(List.of("train"));
        var clients = new KafkaClients(bootstrap, Map.of(), "zstd");
        try (Ingestor i = new Ingestor(clients, s, metrics.listener("metrics", false))) {
            var r = i.ingest(Sources.open(dir.toString(), dir)).get(0);
            assertEquals(tokens, r.manifest().tokens());
            String body =
                    given().get("/q/metrics").then().statusCode(200).extract().asString();
            String tags = "{dataset=\"metrics\",split=\"train\"}";
            assertContains(body, "inrank_ingest_tokens_total" + tags + " " + (double) tokens);
            assertContains(
                    body,
                    "inrank_ingest_blocks_total" + tags + " "
                            + (double) r.manifest().blocks());
            assertContains(
                    body, "inrank_ingest_bytes_total" + tags + " " + (double) Files.size(dir.resolve("train.txt")));
            assertContains(body, "inrank_ingest_split_progress" + tags + " 1.0");
        }
        given().get("/q/health/ready").then().statusCode(200).body(containsString("UP"));
    }

    private static void assertContains(String body, String line) {
        if (!body.contains(line)) {
            throw new AssertionError("missing metric line: " + line + "\n"
                    + body.lines().filter(l -> l.startsWith("inrank")).toList());
        }
    }
}
