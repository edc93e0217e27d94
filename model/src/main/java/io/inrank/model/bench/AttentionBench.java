package io.inrank.model.bench;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.Backends;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.DropoutKey;
import io.inrank.model.backend.Tensor;
import java.util.Arrays;
import java.util.Random;

/**
 * {@code ./inrank bench attention}: one layer's causal attention, forward and backward, on random q, k, v; one JSON line
 * with the median times and the attention state kept between them: the log-sum-exp rows [B, H, T] against the
 * [B, H, T, T] probabilities a stored-probability design keeps (both for one layer and for {@code --layers}).
 * Options: --backend nd4j --batch 8 --heads 4 --seq 128 --head-dim 32 --dropout 0.1 --reps 20 --layers 2
 * (gpt2-small: --heads 12 --seq 1024 --head-dim 64 --layers 12).
 */
public final class AttentionBench {
    public static void main(String[] args) {
        String backend = null;
        int batch = 8, heads = 4, seq = 128, hd = 32, reps = 20, layers = 2;
        double dropout = 0.1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--backend" -> backend = args[++i];
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--heads" -> heads = Integer.parseInt(args[++i]);
                case "--seq" -> seq = Integer.parseInt(args[++i]);
                case "--head-dim" -> hd = Integer.parseInt(args[++i]);
                case "--dropout" -> dropout = Double.parseDouble(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--layers" -> layers = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Backend be = Backends.openForCli(backend);
        int c = heads * hd, n = batch * seq;
        Random r = new Random(1);
        double[] host = new double[n * 3 * c];
        for (int i = 0; i < host.length; i++) host[i] = r.nextGaussian();
        Tensor qkv = be.zeros(DType.F32, n, 3L * c),
                y = be.zeros(DType.F32, n, c),
                lse = be.zeros(DType.F32, batch, heads, seq),
                dy = be.zeros(DType.F32, n, c),
                dqkv = be.zeros(DType.F32, n, 3L * c);
        be.fromHost(qkv, host);
        be.fromHost(dy, Arrays.copyOf(host, n * c));
        double scale = 1 / Math.sqrt(hd);
        long[] fwd = new long[reps], bwd = new long[reps];
        for (int i = -Math.max(3, reps / 4); i < reps; i++) { // negative: JIT warm-up, not timed
            DropoutKey key = new DropoutKey(1, i, 1);
            long t0 = System.nanoTime();
            be.attentionForward(qkv, y, lse, batch, heads, scale, dropout, key);
            long t1 = System.nanoTime();
            be.attentionBackward(dy, qkv, y, lse, dqkv, batch, heads, scale, dropout, key);
            long t2 = System.nanoTime();
            if (i >= 0) {
                fwd[i] = t1 - t0;
                bwd[i] = t2 - t1;
            }
        }
        Arrays.sort(fwd);
        Arrays.sort(bwd);
        long stateBytes = 4L * batch * heads * seq, probBytes = 4L * batch * heads * seq * seq;
        System.out.printf(
                "{\"bench\":\"attention\",\"impl\":\"%s\",\"batch\":%d,\"heads\":%d,\"seq\":%d,\"head_dim\":%d,\"dropout\":%.2f,"
                        + "\"forward_ms\":%.2f,\"backward_ms\":%.2f,\"step_ms\":%.2f,\"state_bytes_per_layer\":%d,\"state_bytes\":%d,"
                        + "\"probabilities_bytes\":%d,\"layers\":%d}%n",
                be.name(),
                batch,
                heads,
                seq,
                hd,
                dropout,
                fwd[reps / 2] / 1e6,
                bwd[reps / 2] / 1e6,
                (fwd[reps / 2] + bwd[reps / 2]) / 1e6,
                stateBytes,
                stateBytes * layers,
                probBytes * layers,
                layers);
    }
}
