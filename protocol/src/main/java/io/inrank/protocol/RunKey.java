package io.inrank.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * One run's signing key. Every trainer logs in to Kafka as the same {@code trainer} user (ACLs cannot tell runs apart:
 * they grant topics, not record keys), so the broker alone cannot stop run A's trainer from writing reports or
 * checkpoint events keyed by run B. What it can stop: a record that does not carry an HMAC-SHA256 made with run B's key,
 * which only run B's trainer holds.
 *
 * <p>Keys are derived, not stored: {@code key(run) = HMAC-SHA256(master, "inrank/run-key/v1" ‖ 0 ‖ run)}. The
 * rank-controller holds the master and so can check every run; a trainer (and an inference server following one run) is
 * given only its own run's key, as 64 hex characters ({@code ./inrank run-key --run R} prints it from the master). A
 * key of one run says nothing about another's.
 *
 * <p>The signature, in the record header {@link #HEADER} (64 hex characters), covers the topic, the record key and the
 * value, each length-prefixed, so it cannot be moved to another run, another topic or another body. Replaying a whole
 * genuine record is not prevented by the signature; the consumers make that harmless (the controller answers a
 * repeated (run, step) with its stored decision; the server ignores a step it has already passed).
 */
public final class RunKey {
    /** The record header that carries the signature. */
    public static final String HEADER = "inrank-signature";

    /** Shortest master accepted, in bytes: an HMAC key should carry at least the hash's 256 bits. */
    public static final int MIN_MASTER_BYTES = 32;

    private static final String ALGORITHM = "HmacSHA256";
    private static final byte[] LABEL = "inrank/run-key/v1".getBytes(StandardCharsets.US_ASCII);

    private final String run;
    private final byte[] secret;

    private RunKey(String run, byte[] secret) {
        this.run = Objects.requireNonNull(run);
        this.secret = secret.clone();
    }

    /** The key of {@code run} derived from the master secret (at least {@link #MIN_MASTER_BYTES} bytes). */
    public static RunKey derive(byte[] master, String run) {
        if (master == null || master.length < MIN_MASTER_BYTES)
            throw new IllegalArgumentException("the run-key master must be at least " + MIN_MASTER_BYTES + " bytes");
        if (run == null || run.isBlank()) throw new IllegalArgumentException("run missing");
        Mac mac = mac(master);
        mac.update(LABEL);
        mac.update((byte) 0);
        mac.update(run.getBytes(StandardCharsets.UTF_8));
        return new RunKey(run, mac.doFinal());
    }

    /** A run's key as given to its trainer: 64 hex characters (surrounding white space ignored). */
    public static RunKey parse(String run, String hex) {
        if (run == null || run.isBlank()) throw new IllegalArgumentException("run missing");
        String h = hex == null ? "" : hex.strip();
        if (!h.matches("[0-9a-fA-F]{64}"))
            throw new IllegalArgumentException("a run key is 64 hex characters (./inrank run-key prints it)");
        return new RunKey(run, HexFormat.of().parseHex(h));
    }

    /** The master secret as configured: its UTF-8 bytes, surrounding white space removed (files end in a newline). */
    public static byte[] master(String configured) {
        byte[] m = configured == null ? new byte[0] : configured.strip().getBytes(StandardCharsets.UTF_8);
        if (m.length < MIN_MASTER_BYTES)
            throw new IllegalArgumentException("the run-key master must be at least " + MIN_MASTER_BYTES
                    + " bytes (e.g. openssl rand -hex 32), got " + m.length);
        return m;
    }

    public String run() {
        return run;
    }

    /** The key as 64 hex characters, for handing to the run's trainer (a Secret); never log it. */
    public String hex() {
        return HexFormat.of().formatHex(secret);
    }

    /** The signature of one record, as 64 hex characters. */
    public String sign(String topic, byte[] key, byte[] value) {
        Mac mac = mac(secret);
        part(mac, topic.getBytes(StandardCharsets.UTF_8));
        part(mac, key);
        part(mac, value);
        return HexFormat.of().formatHex(mac.doFinal());
    }

    /** Adds the signature header to a record about to be sent (its key must be this run's id). */
    public ProducerRecord<byte[], byte[]> signed(ProducerRecord<byte[], byte[]> r) {
        r.headers().remove(HEADER);
        r.headers().add(HEADER, sign(r.topic(), r.key(), r.value()).getBytes(StandardCharsets.US_ASCII));
        return r;
    }

    /**
     * Why the record is not this run's, or null when its key is this run's id and its signature verifies. Compared in
     * constant time.
     */
    public String problem(ConsumerRecord<byte[], byte[]> r) {
        if (r.key() == null || !run.equals(new String(r.key(), StandardCharsets.UTF_8)))
            return "the record's key is not run " + run;
        Header h = r.headers().lastHeader(HEADER);
        if (h == null || h.value() == null) return "the record is not signed (header " + HEADER + " missing)";
        byte[] expected = sign(r.topic(), r.key(), r.value()).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, h.value()))
            return "the record's signature is not run " + run + "'s (header " + HEADER + ")";
        return null;
    }

    private static void part(Mac mac, byte[] bytes) {
        byte[] b = bytes == null ? new byte[0] : bytes;
        mac.update(ByteBuffer.allocate(4).putInt(bytes == null ? -1 : b.length).array());
        mac.update(b);
    }

    private static Mac mac(byte[] secret) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret, ALGORITHM));
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    @Override
    public String toString() {
        return "RunKey[" + run + "]"; // never the secret
    }
}
