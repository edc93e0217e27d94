package io.inrank.controller.bench;

import io.inrank.protocol.Messages;
import io.inrank.protocol.RankDecision;
import io.inrank.protocol.SpectrumReport;
import io.inrank.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code ./inrank bench rank-controller}: against a running controller, R rounds of one report per run (100 runs ×
 * 24 layers × 1024 singular values by default); latency = report published → its decision consumed. One JSON line.
 * Options: --bootstrap HOST:PORT --runs 100 --layers 24 --values 1024 --rounds 3 --warmup-rounds 1 --interval-ms 30
 * (reports arrive every interval; 0 sends each round as one burst, which measures throughput, not latency)
 */
public final class ControllerBench {
    public static void main(String[] args) throws Exception {
        String bootstrap = "localhost:9092";
        int runs = 100, layers = 24, values = 1024, rounds = 3, intervalMs = 30, warmupRounds = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--bootstrap" -> bootstrap = args[++i];
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--layers" -> layers = Integer.parseInt(args[++i]);
                case "--values" -> values = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--interval-ms" -> intervalMs = Integer.parseInt(args[++i]);
                case "--warmup-rounds" -> warmupRounds = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        String tag = Long.toString(System.currentTimeMillis(), 36);
        Random rnd = new Random(1);
        List<Double> latencies = new ArrayList<>();
        long t0 = System.nanoTime();
        try (var p = new KafkaProducer<>(
                        Map.<String, Object>of(
                                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                bootstrap,
                                ProducerConfig.LINGER_MS_CONFIG,
                                0,
                                ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                                8 << 20),
                        new ByteArraySerializer(),
                        new ByteArraySerializer());
                var c = new KafkaConsumer<>(
                        Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(Topics.RANK_DECISIONS, 0);
            c.assign(List.of(tp));
            c.seekToEnd(List.of(tp));
            c.position(tp);
            int[] rank = new int[runs];
            java.util.Arrays.fill(rank, 2);
            int maxRank = values / 2, buffer = Math.max(1, maxRank / 4);
            for (int round = 0; round < warmupRounds + rounds; round++) {
                if (round == warmupRounds) { // a running service is warm: the first rounds only feed the JIT
                    latencies.clear();
                    t0 = System.nanoTime();
                }
                long step = 225 + 25L * round;
                Map<String, Long> sentAt = new HashMap<>();
                for (int run = 0; run < runs; run++) {
                    List<SpectrumReport.LayerSpectrum> ls = new ArrayList<>();
                    for (int l = 0; l < layers; l++) {
                        double[] s = new double[values];
                        double decay = 0.9 + 0.09 * rnd.nextDouble();
                        for (int k = 0; k < rank[run] + buffer; k++) s[k] = Math.pow(decay, k);
                        ls.add(new SpectrumReport.LayerSpectrum(
                                "h." + l / 2 + ".mlp.fc" + (l % 2 + 1),
                                values,
                                4 * values,
                                rank[run],
                                buffer,
                                maxRank,
                                s));
                    }
                    String id = "bench-" + tag + "-" + run;
                    byte[] v = Messages.encode(new SpectrumReport(1, id, step, ls, null, Map.of("alpha", 0.9)));
                    sentAt.put(id, System.nanoTime());
                    p.send(new ProducerRecord<>(Topics.SPECTRA, id.getBytes(StandardCharsets.UTF_8), v));
                    p.flush();
                    // paced arrivals (--interval-ms 0 = one burst): collect what has come back meanwhile
                    long until = System.nanoTime() + intervalMs * 1_000_000L;
                    while (intervalMs > 0 && System.nanoTime() < until)
                        collect(c, step, sentAt, latencies, rank, Duration.ofMillis(5));
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (!sentAt.isEmpty() && System.nanoTime() < deadline)
                    collect(c, step, sentAt, latencies, rank, Duration.ofMillis(50));
                if (!sentAt.isEmpty())
                    throw new IllegalStateException(sentAt.size() + " decisions missing in round " + round);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        latencies.sort(null);
        System.out.printf(
                "{\"bench\":\"rank-controller\",\"runs\":%d,\"layers\":%d,\"values\":%d,\"reports\":%d,\"interval_ms\":%d,"
                        + "\"decisions_per_s\":%.1f,\"layer_decisions_per_s\":%.0f,\"p50_ms\":%.1f,\"p99_ms\":%.1f,\"max_ms\":%.1f}%n",
                runs,
                layers,
                values,
                latencies.size(),
                intervalMs,
                latencies.size() / seconds,
                latencies.size() * layers / seconds,
                pct(latencies, 0.50),
                pct(latencies, 0.99),
                latencies.get(latencies.size() - 1));
    }

    private static void collect(
            KafkaConsumer<byte[], byte[]> c,
            long step,
            Map<String, Long> sentAt,
            List<Double> latencies,
            int[] rank,
            Duration wait) {
        for (var r : c.poll(wait)) {
            long now = System.nanoTime();
            RankDecision d = Messages.decode(r.value(), RankDecision.class);
            Long at = d.step() == step ? sentAt.remove(d.run()) : null;
            if (at != null) {
                latencies.add((now - at) / 1e6);
                rank[Integer.parseInt(d.run().substring(d.run().lastIndexOf('-') + 1))] =
                        d.layers().get(0).newRank();
            }
        }
    }

    static double pct(List<Double> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }
}
