package io.inrank.inference;

import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.backend.Backends;
import io.inrank.model.backend.DType;
import io.inrank.model.io.Checkpoint;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Writes a real checkpoint of a tiny InRank model (stage 1, k = 2 + 16 modes per layer) and serves it. */
public class TinyCheckpoint implements QuarkusTestResourceLifecycleManager {
    public static Path dir;

    public static Path write(Path root, String run, long seed) throws Exception {
        return write(root, run, seed, 100);
    }

    public static Path write(Path root, String run, long seed, long step) throws Exception {
        GptModel m = new GptModel(
                Backends.open("nd4j"), GptConfig.preset("tiny", GptConfig.Mode.INRANK), 1, 1, DType.F32, seed, null);
        for (int i = 0; i < m.inRankLayers(); i++) m.setActiveModes(i, 18);
        Path d = root.resolve(run).resolve(String.format("step-%09d", step));
        Files.createDirectories(d.getParent());
        Checkpoint.save(d, m, null, new Checkpoint.State(step, 1, seed, Map.of("run", run, "preset", "tiny")));
        return d;
    }

    @Override
    public Map<String, String> start() {
        try {
            dir = write(Files.createTempDirectory("inrank-serve-test"), "served", 5);
            return Map.of(
                    "inrank.serve.checkpoint",
                    dir.toString(),
                    "inrank.serve.max-concurrent-requests",
                    "11",
                    "inrank.serve.max-batch",
                    "3");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {}
}
