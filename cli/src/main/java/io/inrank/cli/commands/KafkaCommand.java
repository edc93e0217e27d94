package io.inrank.cli.commands;

import io.inrank.cli.launch.Layout;
import io.inrank.cli.launch.LocalLogins;
import io.inrank.cli.launch.LocalStack;
import io.inrank.commands.Commands;
import io.inrank.kafka.KafkaLocal;
import io.inrank.kafka.Secured;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** A real single-node Kafka broker (KRaft) in the foreground, until Ctrl-C or SIGTERM. */
@Command(
        name = "kafka",
        mixinStandardHelpOptions = true,
        description = "Run a real single-node Kafka broker (KRaft) in the foreground; Ctrl-C stops it cleanly.")
public final class KafkaCommand implements Callable<Integer> {
    @Option(
            names = "--port",
            defaultValue = "9092",
            description = "Client port (0: any free one; default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data-dir", description = "Partition data, kept across restarts (default .inrank/kafka/data).")
    Path dataDir;

    @Option(names = "--log-dir", description = "Where broker.log goes (default .inrank/kafka/logs).")
    Path logDir;

    @Option(
            names = "--secure",
            description =
                    "Clients must log in (SASL/SCRAM-SHA-512) and pass ACLs: an admin and one user per service with"
                            + " only its grants; their logins go to --users-dir as KAFKA_* env files. A data dir stays plain or"
                            + " secure from its first start.")
    boolean secure;

    @Option(
            names = "--users-dir",
            description = "With --secure: where the <user>.env login files are kept (default .inrank/kafka/users).")
    Path usersDir;

    @Option(
            names = "--kafka-property",
            paramLabel = "KEY=VALUE",
            description = "Any broker property, e.g. log.retention.ms=3600000 (repeatable).")
    Map<String, String> properties = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        Layout layout = Layout.current();
        Path data = dataDir != null ? dataDir : layout.work("kafka").resolve("data");
        Path logs = logDir != null ? logDir : layout.work("kafka").resolve("logs");
        List<String[]> config = new ArrayList<>();
        properties.forEach((k, v) -> config.add(new String[] {k, v}));
        long t0 = System.nanoTime();
        Path users = usersDir != null ? usersDir : layout.work("kafka").resolve("users");
        Map<String, String> logins = null;
        if (secure) {
            if (Files.exists(data.resolve("kraft-data/meta.properties"))
                    && !Files.exists(users.resolve(Secured.ADMIN + ".env"))) {
                System.err.println("error: " + data + " was first started without --secure (or its logins in " + users
                        + " are gone): use another --data-dir");
                return Commands.USAGE;
            }
            logins = LocalLogins.loadOrCreate(users);
        }
        KafkaLocal.Builder b = LocalStack.brokerBuilder(data, logs, port, config);
        if (logins != null) {
            Map<String, String> services = new LinkedHashMap<>(logins);
            String admin = services.remove(Secured.ADMIN);
            b.scram(admin, services);
        }
        KafkaLocal broker = b.start();
        if (logins != null) {
            LocalLogins.grant(broker.bootstrapServers(), logins.get(Secured.ADMIN));
            LocalLogins.write(users, logins, broker.bootstrapServers());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            System.out.println("kafka: shutting down");
                            broker.close();
                            System.out.println("kafka: stopped cleanly");
                            stopped.countDown();
                        },
                        "kafka-shutdown"));
        if (logins != null)
            System.out.printf(
                    "kafka: secured (SASL/SCRAM-SHA-512, ACLs); logins of %s in %s/<user>.env%n",
                    String.join(", ", logins.keySet()), users.toAbsolutePath());
        System.out.printf(
                "kafka: ready on %s (data %s, log %s, started in %.1f s)%n",
                broker.bootstrapServers(),
                broker.dataDir(),
                logs.toAbsolutePath().resolve("broker.log"),
                (System.nanoTime() - t0) / 1e9);
        stopped.await();
        return 0;
    }
}
