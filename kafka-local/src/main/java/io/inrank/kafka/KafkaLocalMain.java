package io.inrank.kafka;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./inrank kafka}: the local broker as its own process. Stops cleanly on Ctrl-C / SIGTERM.
 *
 * <pre>
 *   --port N          client port (default 9092)
 *   --data-dir DIR    partition data, kept across restarts (default .inrank/kafka/data)
 *   --log-dir DIR     the broker's own log file broker.log (default .inrank/kafka/logs)
 *   --config k=v      any broker property (repeatable)
 * </pre>
 */
public final class KafkaLocalMain {

    public static void main(String[] args) throws Exception {
        int port = 9092;
        Path dataDir = Path.of(".inrank/kafka/data");
        Path logDir = Path.of(".inrank/kafka/logs");
        KafkaLocal.Builder b = KafkaLocal.builder();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--port" -> port = Integer.parseInt(need(args, ++i, a));
                case "--data-dir" -> dataDir = Path.of(need(args, ++i, a));
                case "--log-dir" -> logDir = Path.of(need(args, ++i, a));
                case "--config" -> {
                    String kv = need(args, ++i, a);
                    int eq = kv.indexOf('=');
                    if (eq <= 0) fail("--config expects key=value, got '" + kv + "'");
                    b.config(kv.substring(0, eq), kv.substring(eq + 1));
                }
                case "-h", "--help" -> {
                    System.out.println(
                            "usage: inrank kafka [--port 9092] [--data-dir DIR] [--log-dir DIR] [--config k=v]...");
                    return;
                }
                default -> fail("unknown option '" + a + "' (see --help)");
            }
        }
        Files.createDirectories(logDir);
        // Must be set before Kafka's first logger is created.
        System.setProperty("inrank.kafka.logDir", logDir.toAbsolutePath().toString());
        System.setProperty("log4j2.configurationFile", "classpath:kafka-local-log4j2.xml");

        long t0 = System.nanoTime();
        KafkaLocal broker = b.port(port).dataDir(dataDir.toAbsolutePath()).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            System.out.println("kafka-local: shutting down");
                            broker.close();
                            System.out.println("kafka-local: stopped cleanly");
                            stopped.countDown();
                        },
                        "kafka-local-shutdown"));
        System.out.printf(
                "kafka-local: ready on %s (data %s, logs %s/broker.log, started in %.1f s)%n",
                broker.bootstrapServers(), broker.dataDir(), logDir.toAbsolutePath(), (System.nanoTime() - t0) / 1e9);
        stopped.await();
    }

    private static String need(String[] args, int i, String opt) {
        if (i >= args.length) fail(opt + " needs a value");
        return args[i];
    }

    private static void fail(String msg) {
        System.err.println("kafka-local: " + msg);
        System.exit(2);
    }
}
