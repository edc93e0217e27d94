package io.inrank.trainer.replicas;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.model.backend.Backends;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.ReplicaGroup;
import io.inrank.model.backend.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How the backward's ranges become all-reduce calls: neighbours merge, a bucket starts once it holds the bucket size,
 * the rest at finish, and the optimizer's wait comes last. The group here records the calls (the collectives
 * themselves run in EmulatedCollectivesTest and EmulatedDataParallelTest).
 */
class GradientBucketsTest {

    /** Every call the buckets make, as text. */
    static final class Calls implements ReplicaGroup {
        final List<String> log = new ArrayList<>();

        @Override
        public void startGradients(Tensor grads, long[] ranges, int count) {
            StringBuilder b = new StringBuilder("start");
            for (int i = 0; i < count; i++)
                b.append(' ').append(ranges[2 * i]).append('+').append(ranges[2 * i + 1]);
            log.add(b.toString());
        }

        @Override
        public void finishGradients() {
            log.add("finish");
        }

        public int rank() {
            return 0;
        }

        public int size() {
            return 2;
        }

        public void allReduceAverage(Tensor t) {}

        public double gradientSeconds() {
            return 0;
        }

        public double exposedGradientSeconds() {
            return 0;
        }

        public void broadcast(Tensor t, int root) {}

        public void check() {}

        public void abort() {}

        public void close() {}
    }

    static final Tensor GRADS = Backends.open("reference").zeros(DType.F32, 1000);

    @Test
    void neighboursMergeAndABucketStartsOnceItIsFull() {
        Calls g = new Calls();
        GradientBuckets b = new GradientBuckets(g, 4 * 100); // 100 floats
        b.begin(GRADS).ready(990, 10); // ln_f
        b.ready(900, 90); // the last block, right below: one range, 100 floats: started
        b.ready(850, 30); // a block with a gap below its first range (inactive modes)
        b.ready(700, 100); // 130 floats: started as two ranges
        b.ready(0, 20); // the embeddings: started at finish
        b.finish();
        assertEquals(List.of("start 900+100", "start 850+30 700+100", "start 0+20", "finish"), g.log);
        assertEquals(250, b.stepElements());
        assertEquals(3, b.stepBuckets());
    }

    @Test
    void oneBucketWhenTheSizeIsUnbounded() {
        Calls g = new Calls();
        GradientBuckets b = new GradientBuckets(g, Long.MAX_VALUE);
        b.begin(GRADS).ready(500, 500);
        b.ready(0, 500);
        b.finish();
        assertEquals(List.of("start 0+1000", "finish"), g.log);
    }

    @Test
    void aStepWhoseBucketsWereNotFinishedIsRefused() {
        GradientBuckets b = new GradientBuckets(new Calls(), 1 << 20);
        b.begin(GRADS).ready(0, 10);
        assertThrows(IllegalStateException.class, () -> b.begin(GRADS));
        assertThrows(IllegalStateException.class, () -> new GradientBuckets(new Calls(), 64).ready(0, 1));
    }
}
