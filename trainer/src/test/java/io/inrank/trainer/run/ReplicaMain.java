package io.inrank.trainer.run;

import io.inrank.trainer.config.SettingKeys;
import io.inrank.trainer.config.TrainSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Arrays;
import java.util.Optional;

/**
 * One replica of a data-parallel run in its own JVM, for {@link EmulatedDataParallelTest}: the trainer's settings as
 * flags; prints "loss STEP VALUE" per step and "ranks [..] stage S" at the end.
 */
public final class ReplicaMain {
    private ReplicaMain() {}

    public static void main(String[] args) {
        TrainSettings s = SettingKeys.resolve(args, k -> Optional.empty());
        try (TrainingRun r = new TrainingRun(s, new SimpleMeterRegistry())) {
            r.onStep((step, loss) -> System.out.println("loss " + step + " " + loss));
            r.run();
            System.out.println("ranks " + Arrays.toString(r.ranks()) + " stage " + r.stage());
        }
        System.out.flush();
        System.exit(0);
    }
}
