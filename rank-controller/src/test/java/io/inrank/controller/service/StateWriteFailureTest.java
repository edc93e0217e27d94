package io.inrank.controller.service;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.kafka.KafkaLocal;
import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.Messages;
import io.inrank.protocol.RankDecision;
import io.inrank.protocol.SpectrumReport;
import io.inrank.protocol.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * A state record the broker does not take: the batch's decision is not published and its offset not committed; the
 * failure is logged and counted, the consumer starts again from the committed offset, and the report is answered once
 * the write goes through.
 */
class StateWriteFailureTest {

    @Test
    void aRefusedStateWritePublishesNothingAndTheBatchIsProcessedAgain() throws Exception {
        try (KafkaLocal broker = KafkaLocal.start()) {
            KafkaClientConfig kafka = KafkaClientConfig.of(broker.bootstrapServers());
            AtomicInteger failures = new AtomicInteger(1);
            SimpleMeterRegistry reg = new SimpleMeterRegistry();
            ControllerService c = new ControllerService(kafka, reg) {
                @Override
                KafkaProducer<byte[], byte[]> newProducer() {
                    return new KafkaProducer<>(
                            kafka().producerConfig("failing", Map.of(ProducerConfig.ACKS_CONFIG, "all")),
                            new ByteArraySerializer(),
                            new ByteArraySerializer()) {
                        @Override
                        public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> r, Callback callback) {
                            if (r.topic().equals(Topics.RANK_STATE) && failures.getAndDecrement() > 0)
                                return CompletableFuture.failedFuture(
                                        new RecordTooLargeException("injected: the state record is too large"));
                            return super.send(r, callback);
                        }
                    };
                }
            };
            c.start(null);
            try {
                SpectrumReport r = ControllerServiceTest.report("wf", 225, 2, 7);
                try (KafkaProducer<byte[], byte[]> p = kafka.producer("test", Map.of())) {
                    p.send(new ProducerRecord<>(
                                    Topics.SPECTRA, "wf".getBytes(StandardCharsets.UTF_8), Messages.encode(r)))
                            .get();
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (reg.counter("inrank.controller.state.write.failures").count() < 1
                        && System.nanoTime() < deadline) Thread.sleep(20);
                assertEquals(
                        1.0,
                        reg.counter("inrank.controller.state.write.failures").count());
                assertNull(c.run("wf"), "the state of a failed batch is not taken");
                assertEquals(
                        List.of(),
                        LongRunStateTest.read(kafka, Topics.RANK_DECISIONS, x -> true),
                        "no decision before its state is written");

                List<ConsumerRecord<byte[], byte[]>> d = LongRunStateTest.await(kafka, Topics.RANK_DECISIONS, 1);
                assertEquals(
                        225,
                        Messages.decode(d.get(0).value(), RankDecision.class).step());
                assertEquals(225, c.run("wf").lastStep());
                assertEquals(
                        1.0, reg.counter("inrank.controller.consumer.restarts").count(), "processed again");
                assertEquals(
                        1,
                        LongRunStateTest.read(kafka, Topics.RANK_STATE, x -> true)
                                .size());
                Thread.sleep(1000);
                assertEquals(
                        1,
                        LongRunStateTest.read(kafka, Topics.RANK_DECISIONS, x -> true)
                                .size(),
                        "once");
            } finally {
                c.stop(null);
            }
        }
    }
}
