package io.inrank.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class RunKeyTest {
    static final byte[] MASTER = RunKey.master("0123456789abcdef0123456789abcdef-master");

    static ConsumerRecord<byte[], byte[]> received(ProducerRecord<byte[], byte[]> p) {
        return new ConsumerRecord<>(
                p.topic(),
                0,
                7,
                0L,
                TimestampType.CREATE_TIME,
                -1,
                -1,
                p.key(),
                p.value(),
                p.headers(),
                java.util.Optional.empty());
    }

    static ProducerRecord<byte[], byte[]> record(String topic, String run, String value) {
        return new ProducerRecord<>(
                topic,
                null,
                run.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8),
                new RecordHeaders());
    }

    @Test
    void aSignedRecordVerifiesOnlyAsItsRunItsTopicAndItsBody() {
        RunKey a = RunKey.derive(MASTER, "run-a"), b = RunKey.derive(MASTER, "run-b");
        assertNotEquals(a.hex(), b.hex(), "one run's key is not another's");
        assertEquals(a.hex(), RunKey.derive(MASTER, "run-a").hex(), "derivation is deterministic");
        assertEquals(
                a.hex(),
                RunKey.parse("run-a", " " + a.hex().toUpperCase() + "\n").hex());

        ConsumerRecord<byte[], byte[]> ok = received(a.signed(record(Topics.SPECTRA, "run-a", "{\"step\":1}")));
        assertNull(a.problem(ok));
        assertTrue(b.problem(ok).contains("key is not run run-b"), b.problem(ok));

        // run A's trainer writes a record keyed by run B, signed with the only key it has
        ConsumerRecord<byte[], byte[]> forged = received(a.signed(record(Topics.SPECTRA, "run-b", "{}")));
        assertTrue(b.problem(forged).contains("signature is not run run-b's"), b.problem(forged));
        // unsigned; moved to another topic; another body under a genuine signature
        assertTrue(a.problem(received(record(Topics.SPECTRA, "run-a", "{}"))).contains("not signed"));
        ProducerRecord<byte[], byte[]> moved = record(Topics.CHECKPOINTS, "run-a", "{\"step\":1}");
        moved.headers().add(ok.headers().lastHeader(RunKey.HEADER));
        assertTrue(a.problem(received(moved)).contains("signature"));
        ProducerRecord<byte[], byte[]> body = record(Topics.SPECTRA, "run-a", "{\"step\":2}");
        body.headers().add(ok.headers().lastHeader(RunKey.HEADER));
        assertTrue(a.problem(received(body)).contains("signature"));
        assertEquals("RunKey[run-a]", a.toString(), "never the secret");
    }

    @Test
    void weakOrMalformedKeysAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> RunKey.master("short"));
        assertThrows(IllegalArgumentException.class, () -> RunKey.parse("r", "abc"));
        assertThrows(IllegalArgumentException.class, () -> RunKey.parse("r", "z".repeat(64)));
        assertThrows(IllegalArgumentException.class, () -> RunKey.derive(MASTER, " "));
    }
}
