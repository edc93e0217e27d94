package io.inrank.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Apache Kafka broker in KRaft combined mode (broker + controller in one node), built from Kafka's own
 * server classes. Used in-process by tests and by the {@code inrank} CLI ({@code ./inrank kafka}, the demo).
 *
 * <p>Plain by default; {@link Builder#scram} secures it (SASL/SCRAM users, ACLs), see {@link Secured}.
 *
 * <p>Single-broker settings are set for you: the offsets, transaction and share-state topics use replication factor 1.
 * Without them a consumer group never finds its coordinator and consumers silently receive nothing.
 */
public final class KafkaLocal implements AutoCloseable {

    private final Path dataDir;
    private final boolean deleteOnClose;
    private final int port;
    private final KafkaRaftServer server;
    private boolean secured;
    private volatile boolean closed;

    private KafkaLocal(Builder b) throws IOException {
        this.deleteOnClose = b.dataDir == null;
        this.dataDir = b.dataDir != null ? b.dataDir : Files.createTempDirectory("kafka-local-");
        Files.createDirectories(dataDir);
        this.port = b.port > 0 ? b.port : freePort();
        int controllerPort = b.controllerPort > 0 ? b.controllerPort : freePort();

        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        // A static voter set: no dynamic-quorum bootstrap needed, and a restarted node may pick another controller
        // port.
        p.put("controller.quorum.voters", "1@" + b.host + ":" + controllerPort);
        p.put("controller.listener.names", "CONTROLLER");
        if (b.adminPassword == null) {
            p.put("listeners", "PLAINTEXT://" + b.host + ":" + port + ",CONTROLLER://" + b.host + ":" + controllerPort);
            p.put("advertised.listeners", "PLAINTEXT://" + b.host + ":" + port);
            p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
            p.put("inter.broker.listener.name", "PLAINTEXT");
        } else {
            p.putAll(Secured.brokerConfig(b.host, port, controllerPort, b.adminPassword));
        }
        p.put("log.dirs", dataDir.resolve("kraft-data").toString());
        p.put("num.partitions", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "true");
        p.put("delete.topic.enable", "true");
        p.put("message.max.bytes", String.valueOf(16 * 1024 * 1024));
        p.putAll(b.overrides);

        Path meta = dataDir.resolve("kraft-data").resolve("meta.properties");
        if (!Files.exists(meta)) {
            Path cfg = dataDir.resolve("server.properties");
            try (Writer w = Files.newBufferedWriter(cfg)) {
                p.store(w, "kafka-local (generated)");
            }
            // StorageTool.execute returns a code instead of calling System.exit like its main() does.
            int rc;
            List<String> format =
                    new ArrayList<>(List.of("format", "-t", Uuid.randomUuid().toString(), "-c", cfg.toString()));
            // SCRAM credentials live in the metadata log: the admin's must be there before the broker's first start
            if (b.adminPassword != null) format.addAll(List.of("--add-scram", Secured.formatAdmin(b.adminPassword)));
            try {
                rc = StorageTool.execute(
                        format.toArray(String[]::new), new PrintStream(OutputStream.nullOutputStream()));
            } catch (Exception e) {
                throw new IOException("formatting the KRaft storage in " + dataDir + " failed: " + e.getMessage(), e);
            }
            if (rc != 0)
                throw new IOException("formatting the KRaft storage in " + dataDir + " failed (code " + rc + ")");
        }
        this.server = new KafkaRaftServer(new KafkaConfig(p), Time.SYSTEM);
        try {
            server.startup(); // returns once the broker is registered and unfenced
        } catch (RuntimeException e) {
            throw new IOException("Kafka broker failed to start on port " + port + ": " + e.getMessage(), e);
        }
        if (b.adminPassword != null) {
            try {
                Secured.upsertUsers(bootstrapServers(), b.adminPassword, b.users);
            } catch (Exception e) {
                close();
                throw new IOException("creating the SCRAM users on port " + port + " failed: " + e.getMessage(), e);
            }
        }
        this.secured = b.adminPassword != null;
    }

    /** Whether clients must authenticate (SASL/SCRAM-SHA-512) and pass the ACLs. */
    public boolean secured() {
        return secured;
    }

    /** Starts a broker on free ports with a temporary data directory that is deleted on close. */
    public static KafkaLocal start() throws IOException {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code host:port} for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return "localhost:" + port;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        server.shutdown();
        server.awaitShutdown();
        if (deleteOnClose) deleteRecursively(dataDir);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a temp dir left behind is harmless
        }
    }

    public static final class Builder {
        private int port;
        private int controllerPort;
        private Path dataDir;
        private String host = "localhost";
        private final Map<String, String> overrides = new HashMap<>();
        private String adminPassword;
        private Map<String, String> users = Map.of();

        /**
         * Secured: the client port speaks SASL/SCRAM-SHA-512 and KRaft's {@code StandardAuthorizer} allows only what
         * an ACL grants (no ACL, no access). {@code admin} is the super user (give it this password); {@code users}
         * (name → password) are created, or their passwords reset, at every start. Off by default.
         */
        public Builder scram(String adminPassword, Map<String, String> users) {
            if (adminPassword == null || adminPassword.isEmpty())
                throw new IllegalArgumentException("no admin password");
            if (users.containsKey(Secured.ADMIN)) throw new IllegalArgumentException("admin is the super user");
            this.adminPassword = adminPassword;
            this.users = Map.copyOf(users);
            return this;
        }

        /** Client port; 0 (default) picks a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder controllerPort(int port) {
            this.controllerPort = port;
            return this;
        }

        /** Persistent data directory (kept on close, reused on restart); default: a temporary one. */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** Any broker property, e.g. {@code log.retention.ms}. */
        public Builder config(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        public KafkaLocal start() throws IOException {
            return new KafkaLocal(this);
        }
    }
}
