package io.inrank.inference.engine;

import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.backend.Backend;
import io.inrank.model.io.Checkpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A loaded, verified checkpoint and what /info says about it. The factors are used as they are (x → A → B, never
 * merged into a dense W), with each layer's active modes: r + b for a stage-1 checkpoint (the buffer is part of the
 * function it learned), r after the efficient resize.
 */
public record ServedModel(
        GptModel model,
        Path dir,
        String run,
        String preset,
        long step,
        int stage,
        Map<String, Integer> ranks,
        long parameters,
        long denseParameters) {

    /** @throws IOException with a message naming the file when the checkpoint is missing, damaged or unreadable */
    public static ServedModel load(Backend be, Path dir) throws IOException {
        Checkpoint.Loaded l = Checkpoint.load(be, dir, 1, 1);
        GptModel m = l.model();
        GptConfig c = m.config();
        Map<String, Integer> ranks = new LinkedHashMap<>();
        long params = m.params().count(), dense = params;
        for (int i = 0; i < m.inRankLayers(); i++) {
            int k = m.activeModes(i), stored = m.storedModes(i);
            ranks.put(GptModel.inRankName(i), k);
            long inOut = (long) c.dim() + c.hidden();
            params -= (long) (stored - k) * inOut; // stored but inactive modes are not served
            dense += (long) c.dim() * c.hidden() - (long) stored * inOut; // a dense W instead of the factors
        }
        Map<String, Object> x = l.state().extra() == null ? Map.of() : l.state().extra();
        return new ServedModel(
                m,
                dir.toAbsolutePath().normalize(),
                String.valueOf(x.getOrDefault("run", dir.getFileName().toString())),
                String.valueOf(x.getOrDefault("preset", "custom")),
                l.state().step(),
                l.state().stage(),
                Map.copyOf(ranks),
                params,
                dense);
    }

    public int context() {
        return model.config().context();
    }

    public String id() {
        return run + "@" + step;
    }
}
