package io.inrank.controller.bench;

import io.inrank.commands.BrokerOption;
import io.inrank.commands.Commands;
import io.inrank.protocol.Messages;
import io.inrank.protocol.RankDecision;
import io.inrank.protocol.SpectrumReport;
import io.inrank.protocol.Topics;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code inrank bench rank-controller}: against a running controller, R rounds of one report per run (100 runs × 24
 * layers × 1024 singular values by default); latency = report published → its decision consumed. One JSON line.
 */
@Command(
        name = "rank-controller",
        mixinStandardHelpOptions = true,
        description = {
            "Against a running rank-controller: decisions/s and p50/p99 latency from a spectrum report published to"
                    + " its decision consumed, over rounds of one report per run.",
            "Prints one JSON line."
        })
public final class ControllerBench implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BrokerOption broker;

    @Option(
            names = "--runs",
            paramLabel = "N",
            defaultValue = "100",
            description = "Training runs simulated, one report each per round (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(
            names = "--layers",
            paramLabel = "N",
            defaultValue = "24",
            description = "InRank layers per report (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(
            names = "--values",
            paramLabel = "N",
            defaultValue = "1024",
            description = "Singular values per layer, at least 4 (default: ${DEFAULT-VALUE}).")
    int values;

    @Option(
            names = "--rounds",
            paramLabel = "N",
            defaultValue = "3",
            description = "Measured rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    // A running service is warm: the first rounds only feed the JIT.
    @Option(
            names = "--warmup-rounds",
            paramLabel = "N",
            defaultValue = "1",
            description = "Unmeasured rounds first (default: ${DEFAULT-VALUE}).")
    int warmupRounds;

    @Option(
            names = "--interval-ms",
            paramLabel = "MS",
            defaultValue = "30",
            description = "Pause between reports; 0 sends each round as one burst, which measures throughput, not"
                    + " latency (default: ${DEFAULT-VALUE}).")
    int intervalMs;

    public static void main(String[] args) {
        Commands.exit(new ControllerBench(), args);
    }

    @Override
    public Integer call() {
        if (runs < 1 || layers < 1 || values < 4 || rounds < 1 || warmupRounds < 0 || intervalMs < 0)
            throw new ParameterException(
                    spec.commandLine(),
                    "--runs, --layers and --rounds must be at least 1, --values at least 4, --warmup-rounds and"
                            + " --interval-ms at least 0");
        String tag = Long.toString(System.currentTimeMillis(), 36);
        Random rnd = new Random(1);
        List<Double> latencies = new ArrayList<>();
        long t0 = System.nanoTime();
        try (var p = new KafkaProducer<>(
                        Map.<String, Object>of(
                                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                broker.servers(),
                                ProducerConfig.LINGER_MS_CONFIG,
                                0,
                                ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                                8 << 20),
                        new ByteArraySerializer(),
                        new ByteArraySerializer());
                var c = new KafkaConsumer<>(
                        Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.servers()),
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
                if (round == warmupRounds) {
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
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
                Locale.ROOT,
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
        out.flush();
        return 0;
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
