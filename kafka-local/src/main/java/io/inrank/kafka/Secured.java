package io.inrank.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

/**
 * The secured broker's settings. Clients authenticate with SASL/SCRAM-SHA-512 (over plaintext: a local broker; the
 * Kubernetes cluster adds TLS). The KRaft controller listener cannot use SCRAM — its credentials live in the metadata
 * the controller serves — so it uses SASL/PLAIN with the admin's password from the broker's own config; both listeners'
 * principal for the node itself is {@code User:admin}, the only super user.
 */
public final class Secured {
    private Secured() {}

    public static final String ADMIN = "admin";
    public static final String MECHANISM = "SCRAM-SHA-512";
    private static final int ITERATIONS = 8192;

    /** What a client needs to log in as {@code user}: security.protocol, sasl.mechanism, sasl.jaas.config. */
    public static Map<String, String> clientProperties(String user, String password) {
        return Map.of(
                "security.protocol",
                "SASL_PLAINTEXT",
                "sasl.mechanism",
                MECHANISM,
                "sasl.jaas.config",
                scramLogin(user, password));
    }

    static Properties brokerConfig(String host, int port, int controllerPort, String adminPassword) {
        Properties p = new Properties();
        p.put("listeners", "SASL_PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort);
        p.put("advertised.listeners", "SASL_PLAINTEXT://" + host + ":" + port);
        p.put("listener.security.protocol.map", "CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT");
        p.put("inter.broker.listener.name", "SASL_PLAINTEXT");
        p.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
        p.put("listener.name.sasl_plaintext.sasl.enabled.mechanisms", MECHANISM);
        p.put("listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config", scramLogin(ADMIN, adminPassword));
        p.put("sasl.mechanism.controller.protocol", "PLAIN");
        p.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
        p.put(
                "listener.name.controller.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + ADMIN
                        + "\" password=\"" + quoted(adminPassword) + "\" user_" + ADMIN + "=\""
                        + quoted(adminPassword) + "\";");
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:" + ADMIN);
        p.put("allow.everyone.if.no.acl.found", "false");
        return p;
    }

    /** StorageTool's {@code --add-scram} argument for the admin. */
    static String formatAdmin(String adminPassword) {
        return MECHANISM + "=[name=" + ADMIN + ",password=" + adminPassword + ",iterations=" + ITERATIONS + "]";
    }

    static void upsertUsers(String bootstrap, String adminPassword, Map<String, String> users) throws Exception {
        if (users.isEmpty()) return;
        Properties c = new Properties();
        c.put("bootstrap.servers", bootstrap);
        c.putAll(clientProperties(ADMIN, adminPassword));
        try (Admin admin = Admin.create(c)) {
            List<UserScramCredentialAlteration> up = new ArrayList<>();
            users.forEach((user, password) -> up.add(new UserScramCredentialUpsertion(
                    user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS), password)));
            admin.alterUserScramCredentials(up).all().get();
        }
    }

    private static String scramLogin(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + quoted(user)
                + "\" password=\"" + quoted(password) + "\";";
    }

    private static String quoted(String s) {
        if (s.contains("\"") || s.contains("\\")) throw new IllegalArgumentException("no quotes or backslashes");
        return s;
    }
}
