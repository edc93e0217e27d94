package io.inrank.trainer.replicas;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.ReplicaGroup;
import io.inrank.protocol.DeadLetters;
import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.MalformedRecordException;
import io.inrank.protocol.Messages;
import io.inrank.protocol.Topics;
import io.inrank.trainer.config.Replicas;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * How the replicas of a run find each other on {@code inrank.rendezvous} (one partition, so its offsets order every
 * record; no clocks involved). Each start of a replica is a new meeting, whatever earlier starts left on the topic:
 *
 * <ol>
 *   <li>replica 0 writes a {@code start} marker (offset S), then waits for a {@code hello} from every other replica
 *       at an offset after S;
 *   <li>every other replica writes a {@code hello} (its first at offset H), repeats it every two seconds, and waits
 *       for an {@code offer} after H;
 *   <li>replica 0, having heard everyone, makes the group's NCCL id and writes it as the {@code offer}; all join.
 * </ol>
 *
 * A hello left by a replica of an earlier start is older than S and does not count; an offer left by an earlier
 * replica 0 is older than H and is not taken. So a group whose members restart one by one (a k8s Indexed Job replacing
 * failed pods) meets again without any name for the attempt. Records under this run's keys that are not well-formed go
 * to the dead-letter topic. Gives up after {@code rendezvous-timeout-ms}, saying who did not arrive.
 */
public final class Rendezvous {
    private static final Logger LOG = Logger.getLogger(Rendezvous.class);
    private static final long HELLO_EVERY_MS = 2000;

    /** One rendezvous record: a start marker, a hello, or replica 0's offer (the NCCL id as hex). */
    public record Message(String run, String kind, int worldSize, int replica, String id) {}

    private Rendezvous() {}

    public static ReplicaGroup join(Backend be, KafkaClientConfig kafka, String run, Replicas r) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(r.rendezvousTimeoutMs());
        TopicPartition tp = new TopicPartition(Topics.RENDEZVOUS, 0);
        byte[] id;
        try (KafkaProducer<byte[], byte[]> p = kafka.reliableProducer("inrank-trainer-rendezvous", Map.of());
                KafkaConsumer<byte[], byte[]> c = kafka.consumer("inrank-trainer-rendezvous", Map.of())) {
            DeadLetters dead = new DeadLetters(p, "trainer");
            c.assign(List.of(tp));
            if (r.leader()) {
                long start = send(p, run, new Message(run, "start", r.worldSize(), 0, null), r);
                c.seek(tp, start + 1);
                Set<Integer> heard = new HashSet<>();
                while (heard.size() < r.worldSize() - 1) {
                    for (ConsumerRecord<byte[], byte[]> rec : poll(c, deadline, run, r, heard)) {
                        Message m = read(rec, run, r, dead);
                        if (m != null && m.kind().equals("hello")) heard.add(m.replica());
                    }
                }
                id = be.newReplicaGroupId();
                send(
                        p,
                        run,
                        new Message(
                                run, "offer", r.worldSize(), 0, HexFormat.of().formatHex(id)),
                        r);
                LOG.infof("replica 0 of %d: every replica said hello; offered the group", r.worldSize());
            } else {
                long hello = send(p, run, new Message(run, "hello", r.worldSize(), r.replica(), null), r);
                c.seek(tp, hello + 1);
                long nextHello = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HELLO_EVERY_MS);
                id = null;
                while (id == null) {
                    for (ConsumerRecord<byte[], byte[]> rec : poll(c, deadline, run, r, null)) {
                        Message m = read(rec, run, r, dead);
                        if (m != null && m.kind().equals("offer"))
                            id = HexFormat.of().parseHex(m.id());
                    }
                    if (id == null && System.nanoTime() > nextHello) {
                        // a replica 0 that started after our hello counts only hellos after its start marker
                        send(p, run, new Message(run, "hello", r.worldSize(), r.replica(), null), r);
                        nextHello = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HELLO_EVERY_MS);
                    }
                }
                LOG.infof("replica %d of %d: replica 0's offer taken; joining", r.replica(), r.worldSize());
            }
        }
        return be.joinReplicas(id, r.worldSize(), r.replica());
    }

    /** The record's offset once the broker has it. */
    private static long send(KafkaProducer<byte[], byte[]> p, String run, Message m, Replicas r) {
        String key = run + "/" + m.kind() + (m.kind().equals("hello") ? "/" + m.replica() : "");
        try {
            return p.send(new ProducerRecord<>(
                            Topics.RENDEZVOUS, key.getBytes(StandardCharsets.UTF_8), Messages.encode(m)))
                    .get(r.rendezvousTimeoutMs(), TimeUnit.MILLISECONDS)
                    .offset();
        } catch (Exception e) {
            throw new IllegalStateException(
                    "replica " + r.replica() + " could not write its rendezvous " + m.kind() + " on "
                            + Topics.RENDEZVOUS + ": " + e.getMessage(),
                    e);
        }
    }

    private static Iterable<ConsumerRecord<byte[], byte[]>> poll(
            KafkaConsumer<byte[], byte[]> c, long deadline, String run, Replicas r, Set<Integer> heard) {
        if (System.nanoTime() > deadline) {
            String missing = heard == null
                    ? "no offer from replica 0"
                    : "no hello from replicas " + missing(heard, r.worldSize());
            throw new IllegalStateException("replica " + r.replica() + " of " + r.worldSize() + " (run " + run + "): "
                    + missing + " on " + Topics.RENDEZVOUS + " within rendezvous-timeout-ms " + r.rendezvousTimeoutMs()
                    + " (are all replicas running, with the same run and world size?)");
        }
        return c.poll(Duration.ofMillis(200));
    }

    private static List<Integer> missing(Set<Integer> heard, int worldSize) {
        return java.util.stream.IntStream.range(1, worldSize)
                .filter(i -> !heard.contains(i))
                .boxed()
                .toList();
    }

    /** A record of this run, checked; null for another run's. A malformed one of ours goes to the dead letters. */
    private static Message read(ConsumerRecord<byte[], byte[]> rec, String run, Replicas r, DeadLetters dead) {
        String key = rec.key() == null ? "" : new String(rec.key(), StandardCharsets.UTF_8);
        if (!key.startsWith(run + "/")) return null;
        try {
            return check(Messages.decode(rec.value(), Message.class), key, run, r);
        } catch (MalformedRecordException | IllegalArgumentException e) {
            LOG.errorf("rendezvous record %s at offset %d refused: %s", key, rec.offset(), e.getMessage());
            dead.send(rec, e);
            return null;
        }
    }

    static Message check(Message m, String key, String run, Replicas r) {
        if (m == null || !run.equals(m.run()) || m.kind() == null)
            throw new IllegalArgumentException("not a rendezvous record of run " + run);
        String expected = run + "/" + m.kind() + (m.kind().equals("hello") ? "/" + m.replica() : "");
        if (!expected.equals(key)) throw new IllegalArgumentException("a " + m.kind() + " under the key " + key);
        if (m.worldSize() != r.worldSize())
            throw new IllegalArgumentException(
                    "a " + m.kind() + " for world size " + m.worldSize() + ", this replica has " + r.worldSize());
        switch (m.kind()) {
            case "start" -> {}
            case "hello" -> {
                if (m.replica() < 1 || m.replica() >= r.worldSize())
                    throw new IllegalArgumentException("a hello from replica " + m.replica());
            }
            case "offer" -> {
                if (m.id() == null || !m.id().matches("[0-9a-f]{256}"))
                    throw new IllegalArgumentException("the offer's id is not 128 bytes of hex");
            }
            default -> throw new IllegalArgumentException("unknown rendezvous kind " + m.kind());
        }
        return m;
    }
}
