package io.inrank.cli.launch;

import io.inrank.kafka.Secured;
import io.inrank.protocol.Access;
import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.TopicSetup;
import io.inrank.protocol.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;

/**
 * The logins of a secured local broker ({@code inrank kafka --secure}): the admin and one user per service of protocol's
 * {@link Access} table, each in {@code <dir>/<user>.env} — the {@code KAFKA_*} variables a service reads, so
 * {@code set -a; . <dir>/trainer.env; set +a} before {@code ./inrank train} makes the trainer log in as itself. Passwords
 * are random on first start and kept (files readable by their owner only); the fixed topics and every service's ACLs
 * are (re)applied at each start.
 */
public final class LocalLogins {
    private LocalLogins() {}

    private static final Pattern PASSWORD = Pattern.compile("password=\"([A-Za-z0-9_-]+)\"");

    /** user → password: the ones in {@code dir}, new ones for the rest. */
    public static Map<String, String> loadOrCreate(Path dir) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        SecureRandom random = new SecureRandom();
        for (String user : users()) {
            Path f = dir.resolve(user + ".env");
            String password = null;
            if (Files.exists(f)) {
                Matcher m = PASSWORD.matcher(Files.readString(f));
                if (!m.find()) throw new IOException(f + ": no password=\"…\" in it; delete it to make a new login");
                password = m.group(1);
            }
            if (password == null) {
                byte[] b = new byte[24];
                random.nextBytes(b);
                password = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
            }
            out.put(user, password);
        }
        return out;
    }

    /** Writes (or rewrites, with the broker's real address) every user's env file, owner-readable only. */
    public static void write(Path dir, Map<String, String> passwords, String bootstrap) throws IOException {
        Files.createDirectories(dir);
        for (var e : passwords.entrySet()) {
            Map<String, String> props = Secured.clientProperties(e.getKey(), e.getValue());
            String text = "# Kafka login of " + e.getKey() + " on the local secured broker (inrank kafka --secure).\n"
                    + "# Use: set -a; . " + dir.resolve(e.getKey() + ".env") + "; set +a\n"
                    + "KAFKA_BOOTSTRAP_SERVERS=" + bootstrap + "\n"
                    + "KAFKA_SECURITY_PROTOCOL=" + props.get("security.protocol") + "\n"
                    + "KAFKA_SASL_MECHANISM=" + props.get("sasl.mechanism") + "\n"
                    + "KAFKA_SASL_JAAS_CONFIG='" + props.get("sasl.jaas.config") + "'\n";
            Path f = dir.resolve(e.getKey() + ".env");
            Files.deleteIfExists(f);
            Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(f, text);
        }
    }

    /** As the admin: the pipeline's fixed topics (their owner is the operator, not the services) and every grant. */
    public static void grant(String bootstrap, String adminPassword) throws Exception {
        KafkaClientConfig admin =
                new KafkaClientConfig(bootstrap, Secured.clientProperties(Secured.ADMIN, adminPassword));
        try (Admin a = admin.admin("inrank-kafka")) {
            TopicSetup.ensure(a, Topics.ALL);
            for (String service : Access.SERVICES.keySet())
                a.createAcls(Access.bindings(service, "User:" + service)).all().get();
        }
    }

    static List<String> users() {
        return Stream.concat(Stream.of(Secured.ADMIN), Access.SERVICES.keySet().stream())
                .toList();
    }
}
