package io.inrank.model.bench;

import io.inrank.model.AdamW;
import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.Backends;
import io.inrank.model.backend.DType;
import java.util.Random;

/**
 * {@code ./inrank bench train}: training-step throughput of the model on random tokens, one JSON line.
 * Options: --backend nd4j|reference|… --preset tiny --mode full|inrank|efficient --rank R --batch 8 --seq 64 --steps 10
 * --warmup 2 [--compare-full]
 * (--compare-full also runs the full-rank model and prints the FLOP ratio, the speed ratio and how much of it is realised)
 */
public final class TrainBench {
    /**
     * Training FLOPs per token (forward + backward = 3 × forward): 6 per weight of every matmul (attention projections,
     * the MLP as dense or as its active factors, the tied LM head) plus causal attention scores, 6·L·T·C.
     */
    static double flopsPerToken(GptModel m, int seq) {
        GptConfig c = m.config();
        double w = 4.0 * c.dim() * c.dim() * c.layers() + (double) c.vocab() * c.dim();
        for (int l = 0; l < c.layers(); l++) {
            if (c.lowRank()) {
                w += (double) m.activeModes(2 * l) * (c.dim() + c.hidden())
                        + (double) m.activeModes(2 * l + 1) * (c.hidden() + c.dim());
            } else {
                w += 2.0 * c.dim() * c.hidden();
            }
        }
        return 6 * w + 6.0 * c.layers() * seq * c.dim();
    }

    public record Result(double stepMs, double gflop, String json) {}

    public static void main(String[] args) {
        String preset = "tiny", mode = "inrank", backend = null;
        int batch = 8, seq = 64, steps = 10, warmup = 3, rank = -1;
        boolean compareFull = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--backend" -> backend = args[++i];
                case "--preset" -> preset = args[++i];
                case "--mode" -> mode = args[++i];
                case "--rank" -> rank = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--seq" -> seq = Integer.parseInt(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--compare-full" -> compareFull = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Backend be = Backends.openForCli(backend);
        Result r = run(be, preset, mode, rank, batch, seq, steps, warmup);
        System.out.println(r.json());
        if (compareFull && !mode.equals("full")) {
            Result f = run(be, preset, "full", -1, batch, seq, steps, warmup);
            System.out.println(f.json());
            double flopRatio = f.gflop() / r.gflop(), speedRatio = f.stepMs() / r.stepMs();
            System.out.printf(
                    "{\"bench\":\"train-vs-full\",\"preset\":\"%s\",\"mode\":\"%s\",\"rank\":%d,\"flop_ratio\":%.3f,"
                            + "\"speed_ratio\":%.3f,\"realised\":%.3f}%n",
                    preset, mode, rank, flopRatio, speedRatio, speedRatio / flopRatio);
        }
    }

    public static Result run(
            Backend be, String preset, String mode, int rank, int batch, int seq, int steps, int warmup) {
        GptConfig.Mode m = switch (mode) {
            case "full" -> GptConfig.Mode.FULL;
            case "inrank" -> GptConfig.Mode.INRANK;
            case "efficient" -> GptConfig.Mode.INRANK_EFFICIENT;
            default -> throw new IllegalArgumentException("mode: full, inrank or efficient");
        };
        GptConfig cfg = GptConfig.preset(preset, m);
        int[] stored = null;
        if (m != GptConfig.Mode.FULL && rank > 0) {
            stored = new int[2 * cfg.layers()];
            java.util.Arrays.fill(stored, rank);
        }
        GptModel model = new GptModel(be, cfg, batch, seq, DType.F32, 1, stored);
        AdamW opt = AdamW.paperDefaults(model.params());
        Random r = new Random(1);
        int n = batch * seq;
        int[] ids = new int[n], tg = new int[n];
        long total = 0;
        double loss = 0;
        for (int s = 0; s < warmup + steps; s++) {
            for (int i = 0; i < n; i++) {
                ids[i] = r.nextInt(cfg.vocab());
                tg[i] = r.nextInt(cfg.vocab());
            }
            long t0 = System.nanoTime();
            model.setDropoutStep(s);
            model.params().zeroGrad();
            loss = model.forward(ids, tg, true);
            model.backward(1.0);
            AdamW.clipGradNorm(model.params(), 1.0);
            opt.step(1e-4);
            if (s >= warmup) total += System.nanoTime() - t0;
        }
        double stepMs = total / 1e6 / steps;
        double gflop = flopsPerToken(model, seq) * n / 1e9;
        String json = String.format(
                "{\"bench\":\"train\",\"impl\":\"%s\",\"preset\":\"%s\",\"mode\":\"%s\",\"rank\":%d,\"batch\":%d,\"seq\":%d,"
                        + "\"params\":%d,\"step_ms\":%.1f,\"tokens_per_s\":%.0f,\"gflop_per_step\":%.2f,\"gflops\":%.1f,"
                        + "\"loss\":%.4f,\"threads\":%d}",
                be.name(),
                preset,
                mode,
                rank,
                batch,
                seq,
                model.params().count(),
                stepMs,
                n / (stepMs / 1000),
                gflop,
                gflop / (stepMs / 1000),
                loss,
                Runtime.getRuntime().availableProcessors());
        return new Result(stepMs, gflop, json);
    }
}
