package io.inrank.cli.commands;

import io.inrank.cli.launch.Layout;
import io.inrank.cli.launch.LocalStack;
import io.inrank.kafka.KafkaLocal;
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
        KafkaLocal broker = LocalStack.startBroker(data, logs, port, config);
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
