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
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * How the replicas of a run find each other: replica 0 makes the group's NCCL id and publishes it on
 * {@code inrank.rendezvous} under {@code <run>/<group>} (a topic every trainer reaches and its ACL guards); the others
 * read it there; then all join the backend's collectives. A record under our key that is not a well-formed offer for
 * this run, group and world size goes to the dead-letter topic and is not used. Gives up after
 * {@code rendezvous-timeout-ms} with a message that says what did not arrive.
 */
public final class Rendezvous {
    private static final Logger LOG = Logger.getLogger(Rendezvous.class);

    /** Replica 0's offer: the NCCL id (hex) for this start of the group. */
    public record Offer(String run, String group, int worldSize, String id) {}

    private Rendezvous() {}

    public static ReplicaGroup join(Backend be, KafkaClientConfig kafka, String run, Replicas r) {
        String key = run + "/" + r.group();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(r.rendezvousTimeoutMs());
        byte[] id;
        if (r.leader()) {
            id = be.newReplicaGroupId();
            Offer offer =
                    new Offer(run, r.group(), r.worldSize(), HexFormat.of().formatHex(id));
            try (KafkaProducer<byte[], byte[]> p = kafka.reliableProducer("inrank-trainer-rendezvous", Map.of())) {
                p.send(new ProducerRecord<>(Topics.RENDEZVOUS, bytes(key), Messages.encode(offer)))
                        .get(r.rendezvousTimeoutMs(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(
                        "replica 0 could not publish the rendezvous of " + key + " on " + Topics.RENDEZVOUS + ": "
                                + e.getMessage(),
                        e);
            }
            LOG.infof("replica 0 of %d: group %s offered; waiting for the others", r.worldSize(), key);
        } else {
            id = await(kafka, key, run, r, deadline);
            LOG.infof("replica %d of %d: group %s found; joining", r.replica(), r.worldSize(), key);
        }
        return be.joinReplicas(id, r.worldSize(), r.replica());
    }

    private static byte[] await(KafkaClientConfig kafka, String key, String run, Replicas r, long deadline) {
        TopicPartition tp = new TopicPartition(Topics.RENDEZVOUS, 0);
        try (KafkaConsumer<byte[], byte[]> c = kafka.consumer("inrank-trainer-rendezvous", Map.of());
                KafkaProducer<byte[], byte[]> dlq = kafka.producer("inrank-trainer-rendezvous-dlq", Map.of())) {
            DeadLetters dead = new DeadLetters(dlq, "trainer");
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> rec : c.poll(Duration.ofMillis(200))) {
                    if (rec.key() == null || !key.equals(new String(rec.key(), StandardCharsets.UTF_8))) continue;
                    try {
                        return check(Messages.decode(rec.value(), Offer.class), run, r);
                    } catch (MalformedRecordException | IllegalArgumentException e) {
                        LOG.errorf("rendezvous record at offset %d refused: %s", rec.offset(), e.getMessage());
                        dead.send(rec, e);
                    }
                }
            }
        }
        throw new IllegalStateException("replica " + r.replica() + " of " + r.worldSize() + ": no offer for group "
                + key + " on " + Topics.RENDEZVOUS + " within rendezvous-timeout-ms " + r.rendezvousTimeoutMs()
                + " (is replica 0 running with the same run, group and world size?)");
    }

    /** The offer's id when it is one for this run, group and world size. */
    static byte[] check(Offer o, String run, Replicas r) {
        if (o == null || !run.equals(o.run()) || !r.group().equals(o.group()))
            throw new IllegalArgumentException("an offer for another run or group under this key");
        if (o.worldSize() != r.worldSize())
            throw new IllegalArgumentException(
                    "replica 0 offers world size " + o.worldSize() + ", this replica has " + r.worldSize());
        if (o.id() == null || !o.id().matches("[0-9a-f]{256}"))
            throw new IllegalArgumentException("the offer's id is not 128 bytes of hex");
        return HexFormat.of().parseHex(o.id());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
