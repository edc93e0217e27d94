package io.inrank.inference.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.*;

import io.inrank.inference.TinyCheckpoint;
import io.inrank.kafka.KafkaLocal;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A new pod whose run's newest event (kept by compaction) is a forgery — a crafted model outside the checkpoint root,
 * at a far-future step — starts serving the run's newest checkpoint on disk instead, and the forged step does not pin
 * it: the next genuine event loads.
 */
@QuarkusTest
@QuarkusTestResource(value = CheckpointFallbackTest.Resources.class, restrictToAnnotatedClass = true)
class CheckpointFallbackTest {
    static KafkaLocal kafka;
    static Path root;

    public static class Resources implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            try {
                kafka = KafkaLocal.start();
                HotReloadTest.kafka = kafka;
                root = Files.createTempDirectory("inrank-fallback");
                TinyCheckpoint.write(root, "hot", 5, 50); // its event compacted away: only the forgery is left
                Path crafted = TinyCheckpoint.write(Files.createTempDirectory("crafted"), "hot", 9, 900);
                HotReloadTest.publish(HotReloadTest.event(crafted, 1_000_000_000_000_000L, sha(crafted)));
                return Map.of(
                        "kafka.bootstrap.servers", kafka.bootstrapServers(),
                        "inrank.serve.run", "hot",
                        "inrank.serve.checkpoint-root", root.toString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        static String sha(Path dir) throws Exception {
            return io.inrank.model.io.Checkpoint.sha256(dir.resolve("state.json"));
        }

        @Override
        public void stop() {
            if (kafka != null) kafka.close();
        }
    }

    @Test
    void aForgedNewestEventNeitherChoosesNorPinsTheModel() throws Exception {
        HotReloadTest.await(() -> given().get("/q/health/ready").statusCode() == 200, "a checkpoint is served");
        assertEquals(50, given().get("/info").jsonPath().getLong("step"), "the genuine one, not the crafted one");
        Path next = TinyCheckpoint.write(root, "hot", 6, 60);
        HotReloadTest.publish(HotReloadTest.event(next, 60, Resources.sha(next)));
        HotReloadTest.await(() -> given().get("/info").jsonPath().getLong("step") == 60, "the next genuine step loads");
    }
}
