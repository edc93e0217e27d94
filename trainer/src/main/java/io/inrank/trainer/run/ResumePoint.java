package io.inrank.trainer.run;

import io.inrank.model.GptModel;
import java.util.List;
import java.util.Map;

/**
 * Where a resumed run picks up, read from a checkpoint's state (the run's own entries beside the model's): the data
 * position, the ranks and buffer of a low-rank run, the missed checks so far. Read strictly — a missing or mistyped
 * entry is an IllegalArgumentException naming it, so a hand-edited or truncated state makes the checkpoint one the
 * resume skips, never a NullPointerException after it was chosen.
 */
record ResumePoint(long epoch, int index, int[] ranks, int buffer, long decisionTimeouts) {

    static ResumePoint of(Map<String, Object> x, boolean lowRank, GptModel model) {
        if (x == null) throw new IllegalArgumentException("the state has none of the run's entries");
        long epoch = number(x, "epoch").longValue();
        long index = number(x, "index").longValue();
        if (epoch < 0 || index < 0 || index > Integer.MAX_VALUE)
            throw new IllegalArgumentException(
                    "the state's data position (epoch " + epoch + ", index " + index + ") is out of range");
        Object t = x.getOrDefault("decisionTimeouts", 0);
        if (!(t instanceof Number n))
            throw new IllegalArgumentException("the state's 'decisionTimeouts' is not a number");
        int[] ranks = null;
        int buffer = 0;
        if (lowRank) {
            if (!(x.get("ranks") instanceof List<?> r))
                throw new IllegalArgumentException("the state has no 'ranks' list (a low-rank run's checkpoint)");
            if (r.size() != model.inRankLayers())
                throw new IllegalArgumentException(
                        "the state has " + r.size() + " ranks for " + model.inRankLayers() + " low-rank layers");
            ranks = new int[r.size()];
            for (int i = 0; i < ranks.length; i++) {
                if (!(r.get(i) instanceof Number v) || v.intValue() < 1)
                    throw new IllegalArgumentException("the state's rank " + i + " is not a positive integer");
                ranks[i] = v.intValue();
            }
            buffer = number(x, "buffer").intValue();
            if (buffer < 0) throw new IllegalArgumentException("the state's buffer is negative");
        }
        return new ResumePoint(epoch, (int) index, ranks, buffer, n.longValue());
    }

    private static Number number(Map<String, Object> x, String key) {
        if (!(x.get(key) instanceof Number n))
            throw new IllegalArgumentException("the state has no number '" + key + "'");
        return n;
    }
}
