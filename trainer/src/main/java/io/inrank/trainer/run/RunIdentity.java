package io.inrank.trainer.run;

import io.inrank.trainer.config.TrainSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The settings that make a run what it is. A checkpoint records them, and a run resuming from it must have the same
 * ones: otherwise "resume" would silently become a different experiment. Everything else (steps, LR, intervals,
 * timeouts) may change between restarts — e.g. extending a run.
 */
final class RunIdentity {
    private RunIdentity() {}

    static Map<String, Object> of(TrainSettings s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run", s.run());
        m.put("preset", s.preset());
        m.put("mode", TrainingRun.modeName(s.mode()));
        m.put("dataset", s.dataset());
        m.put("trainSplit", s.trainSplit());
        m.put("batch", s.batch());
        m.put("seq", s.seq());
        m.put("accumulation", s.accumulation());
        m.put("seed", s.seed());
        m.put("initRank", s.initRank());
        m.put("stage1Steps", s.stage1Steps());
        if (s.fixedRank()) m.put("fixedRanks", s.fixedRanks());
        return m;
    }

    static void check(TrainSettings s, Map<String, Object> recorded, Path dir) {
        List<String> diffs = new ArrayList<>();
        of(s).forEach((k, v) -> {
            Object r = recorded.get(k);
            boolean same = r instanceof Number n && v instanceof Number w
                    ? n.longValue() == w.longValue()
                    : Objects.equals(String.valueOf(r), String.valueOf(v));
            if (!same) diffs.add(k + " " + r + " (checkpoint) vs " + v + " (now)");
        });
        if (!diffs.isEmpty()) {
            throw new IllegalArgumentException("checkpoints in " + dir + " belong to a run with other settings: "
                    + String.join(", ", diffs) + ". Use another --run id (or --checkpoint-dir) for a new run.");
        }
    }
}
