package io.inrank.trainer.run;

import io.inrank.trainer.config.SettingKeys;
import io.inrank.trainer.config.TrainSettings;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One replica of a data-parallel run in its own JVM, for {@link EmulatedDataParallelTest}: the trainer's settings as
 * flags; prints "loss STEP VALUE" per step, "ranks [..] stage S" at the end, and its all-reduce metrics.
 */
public final class ReplicaMain {
    private ReplicaMain() {}

    public static void main(String[] args) {
        TrainSettings s = SettingKeys.resolve(args, k -> Optional.empty());
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        try (TrainingRun r = new TrainingRun(s, metrics)) {
            r.onStep((step, loss) -> System.out.println("loss " + step + " " + loss));
            r.run();
            System.out.println("ranks " + Arrays.toString(r.ranks()) + " stage " + r.stage());
        }
        Timer exposed = metrics.get("inrank.trainer.allreduce.exposed").timer();
        System.out.printf(
                "all-reduce: %d buckets in the last step, %.0f bytes, device time %.3f s, exposed %.3f s%n",
                (long) metrics.get("inrank.trainer.allreduce.buckets").gauge().value(),
                metrics.get("inrank.trainer.allreduce.bytes").counter().count(),
                metrics.get("inrank.trainer.allreduce.time").timer().totalTime(TimeUnit.SECONDS),
                exposed.totalTime(TimeUnit.SECONDS));
        System.out.flush();
        System.exit(0);
    }
}
