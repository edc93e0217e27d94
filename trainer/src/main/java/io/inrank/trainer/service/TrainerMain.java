package io.inrank.trainer.service;

import io.inrank.model.backend.BackendUnavailableException;
import io.inrank.protocol.Messages;
import io.inrank.trainer.config.SettingKeys;
import io.inrank.trainer.config.TrainSettings;
import io.inrank.trainer.run.TrainingRun;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import jakarta.inject.Inject;
import java.util.Arrays;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * The trainer process: one run, Kubernetes-Job style. Exit codes: 0 done, 1 bad settings or data (message on stderr),
 * 2 usage error (including a backend that cannot run here), 3 other failure. /q/metrics, /q/health and GET /run are served while it trains; SIGTERM writes a
 * checkpoint at the end of the current step before exiting (a preempted pod resumes where it stopped).
 */
@QuarkusMain
public class TrainerMain implements QuarkusApplication {
    private static final Logger LOG = Logger.getLogger(TrainerMain.class);

    @Inject
    MeterRegistry registry;

    @Inject
    CurrentRun current;

    @Override
    public int run(String... args) {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.println(SettingKeys.help());
            return 0;
        }
        // --dry-run: check every setting (and that the backend can run here), print them resolved, train nothing
        boolean dryRun = Arrays.asList(args).contains(SettingKeys.DRY_RUN);
        if (dryRun)
            args = Arrays.stream(args)
                    .filter(a -> !a.equals(SettingKeys.DRY_RUN))
                    .toArray(String[]::new);
        TrainSettings s;
        try {
            s = SettingKeys.resolve(args, key -> ConfigProvider.getConfig().getOptionalValue(key, String.class));
            s.model();
            // a backend that cannot run here is a usage error, reported before anything starts
            if (!s.openBackend().collectives() && s.replicas().many()) {
                System.err.println("error: --world-size " + s.replicas().worldSize() + ": "
                        + s.backend().name()
                        + " has no collectives; data parallelism needs --backend cuda (NCCL). The CPU backends already"
                        + " use every core of one machine");
                return 2;
            }
        } catch (BackendUnavailableException e) {
            System.err.println("error: " + e.asOptionError());
            return 2;
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage() + " (see --help)");
            return 2;
        }
        if (dryRun) {
            System.out.println(Messages.toJson(s, false));
            return 0;
        }
        try (TrainingRun run = new TrainingRun(s, registry)) {
            current.set(run);
            TrainingRun.Summary sum = run.run();
            Map<String, Object> out = new java.util.LinkedHashMap<>();
            out.put("run", s.run());
            out.put("steps", sum.steps());
            out.put("resumed_from", sum.resumedFrom());
            out.put("loss", sum.lastLoss());
            out.put("seconds", sum.seconds());
            out.put("tokens_per_s", sum.tokensPerSecond());
            out.put("decision_timeouts", sum.decisionTimeouts());
            out.put("reports_dropped", sum.reportsDropped());
            out.put("dead_letters", sum.deadLetters());
            out.put("eval", sum.eval());
            out.put("parameters", sum.parameters());
            System.out.println(Messages.toJson(out, false));
            return 0;
        } catch (io.inrank.trainer.run.UnannouncedCheckpointException e) {
            System.err.println("error: " + e.getMessage());
            return 3;
        } catch (IllegalArgumentException | IllegalStateException | java.io.UncheckedIOException e) {
            LOG.debug("run failed", e);
            System.err.println("error: " + e.getMessage());
            return 1;
        } catch (org.apache.kafka.common.errors.AuthorizationException
                | org.apache.kafka.common.errors.AuthenticationException e) {
            // the broker refused this client: its user's ACLs or credentials, not the run, need fixing
            LOG.debug("run failed", e);
            System.err.println("error: Kafka refused the trainer's client: " + e.getMessage()
                    + " (check the user's ACLs and credentials: protocol/README.md)");
            return 1;
        } catch (RuntimeException e) {
            LOG.error("run failed", e);
            System.err.println("error: " + e);
            return 3;
        } finally {
            current.finished();
        }
    }
}
