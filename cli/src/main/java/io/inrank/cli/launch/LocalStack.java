package io.inrank.cli.launch;

import io.inrank.commands.Commands;
import io.inrank.kafka.KafkaLocal;
import io.inrank.protocol.PipelineService;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The pieces a local run starts around the trainer, shared by the demo, {@code train} without {@code --bootstrap} and
 * the benches that need them: a Kafka broker in this JVM, the built-in corpus ingested, a rank-controller process.
 * Closing stops them in reverse order.
 */
public final class LocalStack implements AutoCloseable {
    private final Layout layout;
    private final Path dir;
    private final UnaryOperator<KafkaLocal.Builder> brokerSettings;
    private final int port;
    private KafkaLocal broker;
    private final List<JavaProcess> processes = new ArrayList<>();

    private LocalStack(Layout layout, Path dir, UnaryOperator<KafkaLocal.Builder> brokerSettings) throws IOException {
        this.layout = layout;
        this.dir = dir;
        this.brokerSettings = brokerSettings;
        this.broker = ownBroker(0);
        this.port = broker.port();
    }

    /** A broker on a free port with its data and log under {@code dir/kafka}. */
    public static LocalStack start(Layout layout, Path dir) throws IOException {
        return new LocalStack(layout, dir, b -> b);
    }

    /** The same with the broker configured further, e.g. secured with SCRAM users ({@link KafkaLocal.Builder#scram}). */
    public static LocalStack start(Layout layout, Path dir, UnaryOperator<KafkaLocal.Builder> broker)
            throws IOException {
        return new LocalStack(layout, dir, broker);
    }

    public static KafkaLocal startBroker(Path dataDir, Path logDir, int port, List<String[]> config)
            throws IOException {
        return brokerBuilder(dataDir, logDir, port, config).start();
    }

    /** The broker's log goes to {@code logDir/broker.log} (cli-log4j2.xml), so it must be set before Kafka logs. */
    public static KafkaLocal.Builder brokerBuilder(Path dataDir, Path logDir, int port, List<String[]> config)
            throws IOException {
        Files.createDirectories(logDir);
        System.setProperty("inrank.kafka.logDir", logDir.toAbsolutePath().toString());
        KafkaLocal.Builder b = KafkaLocal.builder().port(port).dataDir(dataDir.toAbsolutePath());
        for (String[] kv : config) b.config(kv[0], kv[1]);
        return b;
    }

    /** What a command makes ready on a temporary stack before it runs (ingest a dataset, start a controller). */
    public interface Setup {
        void prepare(LocalStack stack) throws Exception;
    }

    /** A command that runs against a broker and returns its exit code. */
    public interface OnBroker {
        int run(String bootstrap) throws Exception;
    }

    /**
     * Runs {@code command} on {@code bootstrap}, or, when none is given, on a temporary local stack readied by
     * {@code setup} and stopped afterwards: the shape of every command that needs a broker but can bring its own.
     */
    public static int withBroker(Layout layout, String bootstrap, Setup setup, OnBroker command) throws Exception {
        if (bootstrap != null) return command.run(bootstrap);
        try (LocalStack stack = start(layout, Files.createTempDirectory("inrank-"))) {
            setup.prepare(stack);
            return command.run(stack.bootstrap());
        }
    }

    public String bootstrap() {
        return "localhost:" + port;
    }

    /** Stops the broker (an outage: clients see it gone); {@link #startBroker()} brings it back. */
    public synchronized void stopBroker() {
        if (broker != null) broker.close();
        broker = null;
    }

    /** Starts the broker again on the same port and data: every topic, offset and group as it was. */
    public synchronized void startBroker() throws IOException {
        if (broker == null) broker = ownBroker(port);
    }

    /** This stack's broker: its data and log under {@code dir/kafka}, its settings. */
    private KafkaLocal ownBroker(int port) throws IOException {
        return brokerSettings
                .apply(brokerBuilder(dir.resolve("kafka/data"), dir.resolve("kafka/logs"), port, List.of()))
                .start();
    }

    public Path dir() {
        return dir;
    }

    /**
     * Ingests the built-in corpus as {@code dataset} in blocks of {@code blockLength} (all splits, or those given);
     * returns the ingest's summary (one JSON line per split).
     */
    public String ingestBuiltIn(String dataset, int blockLength, String... splits) throws IOException {
        List<String> args = new ArrayList<>(
                List.of("--dataset", dataset, "--block-length", String.valueOf(blockLength), "--no-progress"));
        if (splits.length > 0) args.addAll(List.of("--splits", String.join(",", splits)));
        return ingest(args);
    }

    /**
     * Runs data-ingest's {@code ingest} on this broker with {@code args}; returns its summary (stdout), its log is
     * {@code dir/ingest.log}. A failure is bad input (exit 1) with the log.
     */
    public String ingest(List<String> args) throws IOException {
        List<String> all = new ArrayList<>(List.of("ingest", "--bootstrap", bootstrap()));
        all.addAll(args);
        Path log = dir.resolve("ingest.log"), summary = dir.resolve("ingest-summary.jsonl");
        int code;
        try (BufferedWriter w = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            JavaProcess p = JavaProcess.builder("data-ingest", layout.jvm())
                    .heap("1g")
                    .jar(layout.app(PipelineService.DATA_INGEST).jar())
                    .args(all)
                    .start(summary, JavaProcess.appendTo(w));
            code = p.waitFor(Duration.ofMinutes(30));
        }
        if (code != 0) {
            throw new Commands.BadInputException("ingest failed (exit " + code + "); log " + log + ":\n" + read(log));
        }
        return read(summary);
    }

    /** Starts the rank-controller on this broker ({@code port} 0 = any); returns once it has restored its runs. */
    public JavaProcess startController(int port) {
        return startController(port, Map.of());
    }

    /** The same with Kafka client properties ({@code kafka.*} keys without the prefix), e.g. a SCRAM login. */
    public JavaProcess startController(int port, Map<String, String> kafkaProperties) {
        return startController(port, kafkaProperties, Map.of());
    }

    /** The same with the controller's own settings, e.g. {@code inrank.controller.run-key-master-file}. */
    public JavaProcess startController(int port, Map<String, String> kafkaProperties, Map<String, ?> settings) {
        JavaProcess.Builder b = JavaProcess.builder("rank-controller", layout.jvm())
                .heap("1g")
                .property("kafka.bootstrap.servers", bootstrap())
                .property("quarkus.http.port", port);
        kafkaProperties.forEach((k, v) -> b.property("kafka." + k, v));
        settings.forEach(b::property);
        // a restarted controller gets its own log: waiting for "runs restored" in the old one would match at once
        long started = processes.stream()
                .filter(p -> p.name().equals("rank-controller"))
                .count();
        JavaProcess c = b.jar(layout.app(PipelineService.RANK_CONTROLLER).jar())
                .start(dir.resolve(started == 0 ? "controller.log" : "controller-" + (started + 1) + ".log"));
        processes.add(c);
        c.awaitLine(Pattern.compile("runs restored"), Duration.ofSeconds(120));
        return c;
    }

    /** Keeps a process to stop with the stack. */
    public JavaProcess own(JavaProcess p) {
        processes.add(p);
        return p;
    }

    static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        for (int i = processes.size() - 1; i >= 0; i--) processes.get(i).close();
        stopBroker();
    }
}
