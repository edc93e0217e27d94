package io.inrank.trainer;

import io.inrank.protocol.DatasetManifest;
import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.Messages;
import io.inrank.protocol.RankDecision;
import io.inrank.protocol.SpectrumReport;
import io.inrank.protocol.TokenBlocks;
import io.inrank.protocol.Topics;
import io.inrank.trainer.config.SettingKeys;
import io.inrank.trainer.config.TrainSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** A small learnable dataset published the way data-ingest publishes one, and settings for short test runs. */
public final class Fixtures {
    private Fixtures() {}

    /** train / validation / test splits of a stream with structure (a few repeated phrases), blocks of L + 1. */
    public static void dataset(String bootstrap, String dataset, int blockLength, int trainBlocks, int evalBlocks) {
        SplittableRandom r = new SplittableRandom(7);
        int[][] phrases = new int[12][];
        for (int i = 0; i < phrases.length; i++) {
            phrases[i] = r.ints(3 + r.nextInt(6), 0, 2000).toArray();
        }
        for (String split : List.of("train", "validation", "test")) {
            int blocks = split.equals("train") ? trainBlocks : evalBlocks;
            int n = blocks * blockLength + 1;
            int[] stream = new int[n];
            for (int i = 0; i < n; ) {
                for (int t : phrases[r.nextInt(phrases.length)]) if (i < n) stream[i++] = t;
            }
            publish(bootstrap, dataset, split, stream, blockLength, blocks);
        }
    }

    static void publish(String bootstrap, String dataset, String split, int[] stream, int blockLength, int blocks) {
        String topic = Topics.tokens(dataset, split);
        try (var p = new KafkaProducer<>(
                Map.<String, Object>of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int b = 0; b < blocks; b++) {
                byte[] v = TokenBlocks.encode(
                        Arrays.copyOfRange(stream, b * blockLength, b * blockLength + blockLength + 1));
                p.send(new ProducerRecord<>(
                        topic,
                        0,
                        TokenBlocks.key(b),
                        v,
                        List.of(new RecordHeader(
                                TokenBlocks.CODEC_HEADER, TokenBlocks.CODEC.getBytes(StandardCharsets.UTF_8)))));
            }
            DatasetManifest m = new DatasetManifest(
                    1,
                    dataset,
                    split,
                    topic,
                    blockLength,
                    blocks,
                    (long) blocks * blockLength + 1,
                    "gpt2",
                    TokenBlocks.GPT2_VOCAB,
                    false,
                    List.of(),
                    "a".repeat(64),
                    "b".repeat(64),
                    0,
                    Instant.now().toString(),
                    true);
            p.send(new ProducerRecord<>(
                    Topics.DATASETS,
                    Topics.manifestKey(dataset, split).getBytes(StandardCharsets.UTF_8),
                    Messages.encode(m)));
            p.flush();
        }
    }

    /** Every record of {@code topic} keyed by {@code run}, decoded, in order. */
    public static <T> List<T> read(String bootstrap, String topic, Class<T> type, String run) {
        List<T> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals(run))
                        out.add(Messages.decode(r.value(), type));
                }
            }
        } catch (io.inrank.protocol.MalformedRecordException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** Settings of a short tiny run (B = 2, T = 16) on the fixture; {@code extra} flags override. */
    public static TrainSettings settings(String bootstrap, String dataset, Path dir, String run, String... extra) {
        return SettingKeys.resolve(
                args(bootstrap, dataset, dir, run, extra).toArray(String[]::new), k -> Optional.empty());
    }

    /** The flags of {@link #settings}, for a trainer in another JVM. */
    public static List<String> args(String bootstrap, String dataset, Path dir, String run, String... extra) {
        List<String> a = new ArrayList<>(List.of(
                "--run",
                run,
                "--dataset",
                dataset,
                "--batch",
                "2",
                "--seq",
                "16",
                "--steps",
                "8",
                "--warmup-steps",
                "2",
                "--lr",
                "3e-3",
                "--eval-every",
                "0",
                "--eval-batches",
                "2",
                "--checkpoint-every",
                "4",
                "--checkpoint-dir",
                dir.toString(),
                "--log-every",
                "4",
                "--decision-timeout-ms",
                "300",
                "--rank-warmup",
                "100",
                "--bootstrap",
                bootstrap));
        a.addAll(List.of(extra));
        return a;
    }

    /**
     * A stand-in rank-controller (a real consumer and producer on the pipeline's topics; the rule itself is the
     * rank-controller's business, tested there): answers each spectrum report of {@code runs} with every layer's new
     * rank {@code newRank(rank)}, except the steps in {@code unanswered}; every step it saw goes into {@code seen}.
     * Started positioned at the end of the spectra topic (created if missing); interrupt it to stop.
     */
    public static Thread standInController(
            String bootstrap,
            java.util.Set<String> runs,
            java.util.function.IntUnaryOperator newRank,
            java.util.Set<Long> unanswered,
            Map<Long, Boolean> seen)
            throws Exception {
        KafkaClientConfig kafka = KafkaClientConfig.of(bootstrap);
        try (org.apache.kafka.clients.admin.Admin admin = kafka.admin("stand-in")) {
            io.inrank.protocol.TopicSetup.ensure(admin, Topics.ALL);
        }
        java.util.concurrent.CountDownLatch positioned = new java.util.concurrent.CountDownLatch(1);
        Thread t = new Thread(() -> {
            try (KafkaConsumer<byte[], byte[]> c = kafka.consumer("stand-in", Map.of());
                    KafkaProducer<byte[], byte[]> p = kafka.producer("stand-in", Map.of())) {
                TopicPartition tp = new TopicPartition(Topics.SPECTRA, 0);
                c.assign(List.of(tp));
                c.seekToEnd(List.of(tp));
                c.position(tp);
                positioned.countDown();
                while (!Thread.currentThread().isInterrupted()) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(50))) {
                        String run = new String(r.key(), StandardCharsets.UTF_8);
                        if (!runs.contains(run)) continue;
                        SpectrumReport rep = Messages.decode(r.value(), SpectrumReport.class);
                        seen.put(rep.step(), true);
                        if (unanswered.contains(rep.step())) continue;
                        List<RankDecision.LayerDecision> ls = rep.layers().stream()
                                .map(l -> new RankDecision.LayerDecision(
                                        l.name(), l.rank(), newRank.applyAsInt(l.rank()), 0.5))
                                .toList();
                        RankDecision d = new RankDecision(
                                1,
                                run,
                                rep.step(),
                                ls,
                                "explained-variance",
                                Map.of("alpha", 0.9),
                                Instant.now().toString());
                        p.send(new ProducerRecord<>(Topics.RANK_DECISIONS, r.key(), Messages.encode(d)));
                        p.flush();
                    }
                }
            } catch (org.apache.kafka.common.errors.InterruptException e) {
                // stopped
            }
        });
        t.setDaemon(true);
        t.start();
        if (!positioned.await(30, java.util.concurrent.TimeUnit.SECONDS))
            throw new IllegalStateException("the stand-in controller did not reach the spectra topic");
        return t;
    }
}
