package io.inrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inrank.cli.commands.TrainCommand;
import io.inrank.cli.launch.JavaProcess;
import io.inrank.cli.launch.Layout;
import io.inrank.cli.launch.LocalStack;
import io.inrank.kafka.Secured;
import io.inrank.protocol.Access;
import io.inrank.protocol.CheckpointEvent;
import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.PipelineService;
import io.inrank.protocol.RankDecision;
import io.inrank.protocol.TopicSetup;
import io.inrank.protocol.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline on a secured broker (SASL/SCRAM, StandardAuthorizer), every service as its own user with exactly its
 * grants from {@link Access}: ingest, rank-controller, trainer and inference do their work; each acting outside its
 * grants is refused at once with Kafka's authorization error (printed: who was refused what, in how long).
 */
class SecuredPipelineIT {
    static final Duration NO_HANG = Duration.ofSeconds(15);

    @TempDir
    Path tmp;

    final Map<String, String> passwords = new LinkedHashMap<>();

    @Test
    void everyServiceWorksWithItsGrantsAndIsRefusedOutsideThem() throws Exception {
        for (String service : Access.SERVICES.keySet())
            passwords.put(service, UUID.randomUUID().toString());
        String adminPassword = UUID.randomUUID().toString();
        Layout layout = Layout.current();
        try (LocalStack stack = LocalStack.start(layout, tmp, b -> b.scram(adminPassword, passwords))) {
            KafkaClientConfig admin = grantAll(stack, adminPassword);

            // the work, each as its own user
            ingest(stack, tmp, login("data-ingest"));
            stack.startController(0, login("rank-controller"));
            JavaProcess.Builder serve = JavaProcess.builder("inference", layout.jvm())
                    .heap("1g")
                    .property("kafka.bootstrap.servers", stack.bootstrap())
                    .property("inrank.serve.run", "sec")
                    .property("inrank.serve.checkpoint-root", tmp.resolve("checkpoints"))
                    .property("quarkus.http.port", 0);
            login("inference").forEach((k, v) -> serve.property("kafka." + k, v));
            JavaProcess inference = stack.own(
                    serve.jar(layout.app(PipelineService.INFERENCE).jar()).start(tmp.resolve("inference.log")));

            JavaProcess trainer = trainer(layout, stack, "sec", "trainer");
            assertEquals(0, trainer.waitFor(Duration.ofMinutes(5)), "trainer with its grants: " + log(trainer));
            assertEquals(
                    List.of(8L, 12L, 16L),
                    PipelineIT.read(admin, Topics.RANK_DECISIONS, RankDecision.class, "sec").stream()
                            .map(RankDecision::step)
                            .toList(),
                    "the controller answered every check");
            assertEquals(
                    List.of(8L, 16L),
                    PipelineIT.read(admin, Topics.CHECKPOINTS, CheckpointEvent.class, "sec").stream()
                            .map(CheckpointEvent::step)
                            .toList());
            inference.awaitLine(Pattern.compile("serving sec \\(step 16,"), Duration.ofSeconds(60));

            // outside the grants: refused, quickly, with Kafka's own words
            System.out.println("who was refused what (secured broker, StandardAuthorizer):");
            refused(
                    "inference",
                    "WRITE " + Topics.RANK_DECISIONS,
                    () -> write(stack, "inference", Topics.RANK_DECISIONS));
            refused("trainer", "WRITE " + Topics.DATASETS, () -> write(stack, "trainer", Topics.DATASETS));
            refused("trainer", "READ " + Topics.RANK_STATE, () -> read(stack, "trainer", Topics.RANK_STATE));
            refused(
                    "rank-controller",
                    "WRITE " + Topics.CHECKPOINTS,
                    () -> write(stack, "rank-controller", Topics.CHECKPOINTS));
            refused(
                    "inference",
                    "READ " + Topics.tokens("sec", "train"),
                    () -> read(stack, "inference", Topics.tokens("sec", "train")));
            refused("data-ingest", "WRITE " + Topics.SPECTRA, () -> write(stack, "data-ingest", Topics.SPECTRA));
            refused("trainer", "CREATE topic " + Topics.tokens("forged", "train"), () -> {
                try (Admin a =
                        client(stack, "trainer", passwords.get("trainer")).admin("it")) {
                    a.createTopics(List.of(new NewTopic(Topics.tokens("forged", "train"), 1, (short) 1)))
                            .all()
                            .get(NO_HANG.toSeconds(), TimeUnit.SECONDS);
                }
                return null;
            });
            refused("trainer", "JOIN group " + Access.CONTROLLER_GROUP, () -> {
                try (KafkaConsumer<byte[], byte[]> c = client(stack, "trainer", passwords.get("trainer"))
                        .consumer("it", Map.of(ConsumerConfig.GROUP_ID_CONFIG, Access.CONTROLLER_GROUP))) {
                    c.subscribe(List.of(Topics.SPECTRA));
                    c.poll(NO_HANG);
                }
                return null;
            });
            refused("trainer (wrong password)", "log in", () -> {
                try (KafkaProducer<byte[], byte[]> p = client(stack, "trainer", "not-the-password")
                        .producer("it", Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) NO_HANG.toMillis()))) {
                    p.send(new ProducerRecord<>(Topics.SPECTRA, new byte[1])).get();
                }
                return null;
            });

            // a whole service started as a user without its grants: a clear error and an exit, not a hang
            long t0 = System.nanoTime();
            JavaProcess wrong = trainer(layout, stack, "sec-wrong", "inference");
            int code = wrong.waitFor(Duration.ofSeconds(90));
            String out = log(wrong);
            System.out.printf(
                    "trainer started as user inference: exit %d after %.1f s: %s%n",
                    code, (System.nanoTime() - t0) / 1e9, errorLine(out));
            assertNotEquals(0, code, out);
            assertTrue(out.contains("Not authorized to access topics: [" + Topics.DATASETS + "]"), out);
        }
    }

    /**
     * The fixed topics and every service's grants from the one table, as an administrator applies them (in k8s:
     * KafkaTopic and KafkaUser objects); returns the admin's client config.
     */
    static KafkaClientConfig grantAll(LocalStack stack, String adminPassword) throws Exception {
        KafkaClientConfig admin = client(stack, Secured.ADMIN, adminPassword);
        try (Admin a = admin.admin("it-admin")) {
            TopicSetup.ensure(a, Topics.ALL);
            for (String service : Access.SERVICES.keySet())
                a.createAcls(Access.bindings(service, "User:" + service)).all().get();
        }
        return admin;
    }

    /** The small corpus as dataset "sec" (blocks of 16), ingested as the data-ingest user. */
    static void ingest(LocalStack stack, Path tmp, Map<String, String> login) throws Exception {
        List<String> ingest = new ArrayList<>(List.of(
                "--source",
                PipelineIT.corpus(tmp.resolve("corpus")).toString(),
                "--dataset",
                "sec",
                "--block-length",
                "16"));
        login.forEach((k, v) -> ingest.addAll(List.of("--kafka-property", k + "=" + v)));
        stack.ingest(ingest);
    }

    void refused(String user, String what, Callable<?> action) {
        long t0 = System.nanoTime();
        Throwable error = null;
        try {
            action.call();
        } catch (Throwable t) {
            error = t;
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(error != null, user + " was allowed to " + what);
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        System.out.printf(
                "  %-26s %-40s refused in %5d ms: %s: %s%n",
                user, what, ms, root.getClass().getSimpleName(), root.getMessage());
        assertTrue(
                root.getClass()
                        .getSimpleName()
                        .matches("(Topic|Group|Cluster)AuthorizationException|SaslAuthenticationException"),
                user + " " + what + ": " + root);
        assertTrue(ms < NO_HANG.toMillis(), user + " " + what + " took " + ms + " ms");
    }

    Object write(LocalStack stack, String user, String topic) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = client(stack, user, passwords.get(user))
                .producer("it", Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) NO_HANG.toMillis()))) {
            return p.send(new ProducerRecord<>(topic, "forged".getBytes(), "{}".getBytes()))
                    .get(NO_HANG.toSeconds(), TimeUnit.SECONDS);
        }
    }

    Object read(LocalStack stack, String user, String topic) throws Exception {
        try (KafkaConsumer<byte[], byte[]> c =
                client(stack, user, passwords.get(user)).consumer("it", Map.of())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            return c.poll(NO_HANG);
        }
    }

    Map<String, String> login(String user) {
        return Secured.clientProperties(user, passwords.get(user));
    }

    static KafkaClientConfig client(LocalStack stack, String user, String password) {
        return new KafkaClientConfig(stack.bootstrap(), Secured.clientProperties(user, password));
    }

    JavaProcess trainer(Layout layout, LocalStack stack, String run, String user) {
        List<String> args = PipelineIT.args(
                run, "sec", stack.bootstrap(), tmp.resolve("checkpoints"), "16", "--manifest-wait-ms", "60000");
        JavaProcess.Builder b = TrainCommand.trainer(layout, args, 0).heap("1g");
        login(user).forEach((k, v) -> b.property("kafka." + k, v));
        return b.start(tmp.resolve("trainer-" + run + ".log"));
    }

    static String log(JavaProcess p) throws Exception {
        return Files.readString(p.log());
    }

    static String errorLine(String log) {
        return log.lines().filter(l -> l.startsWith("error:")).findFirst().orElse("(no error line)");
    }
}
