package io.inrank.trainer.run;

import io.inrank.model.GptModel;
import io.inrank.trainer.config.TrainSettings;
import io.inrank.trainer.rank.Ranks;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** A snapshot of the run for {@code GET /run}: where it is, its loss, ranks and latest evaluation. */
public record RunStatus(
        String run,
        String preset,
        String mode,
        String state,
        long step,
        long steps,
        int stage,
        double loss,
        Map<String, Integer> ranks,
        Map<String, Double> eval) {

    static RunStatus of(
            TrainSettings s, long step, int stage, double loss, Ranks ranks, Map<String, Double> eval, String state) {
        Map<String, Integer> r = new LinkedHashMap<>();
        if (ranks != null) {
            int[] rr = ranks.ranks();
            for (int i = 0; i < rr.length; i++) r.put(GptModel.inRankName(i), rr[i]);
        }
        return new RunStatus(
                s.run(), s.preset(), TrainingRun.modeName(s.mode()), state, step, s.steps(), stage, loss, r, eval);
    }

    static String describe(List<Ranks.Change> changes) {
        return changes.stream()
                .map(c -> String.format("%s %d->%d (ratio %.3f)", c.layer(), c.from(), c.to(), c.ratio()))
                .collect(Collectors.joining(", "));
    }
}
