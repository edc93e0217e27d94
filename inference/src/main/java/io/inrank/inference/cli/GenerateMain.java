package io.inrank.inference.cli;

import io.inrank.inference.engine.Engine;
import io.inrank.inference.engine.Generation;
import io.inrank.inference.engine.GenerationListener;
import io.inrank.inference.engine.GenerationRequest;
import io.inrank.inference.engine.ServedModel;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.BackendUnavailableException;
import io.inrank.model.backend.Backends;
import io.inrank.model.generate.Sampler;
import io.inrank.model.generate.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./inrank generate "prompt" [--checkpoint DIR] [--max-new-tokens 40] [--temperature 0.8] [--top-k 40] [--seed 1]
 * [--backend B]}:
 * one generation on the command line, streamed to stdout, with the same engine the server uses.
 */
public final class GenerateMain {
    public static void main(String[] args) throws Exception {
        String prompt = null, checkpoint = ".inrank/demo/checkpoints/demo", backend = null;
        int max = 40, topK = 40;
        double temperature = 0.8;
        long seed = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--checkpoint" -> checkpoint = args[++i];
                case "--backend" -> backend = args[++i];
                case "--max-new-tokens" -> max = Integer.parseInt(args[++i]);
                case "--temperature" -> temperature = Double.parseDouble(args[++i]);
                case "--top-k" -> topK = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--help", "-h" -> {
                    System.out.println(
                            "usage: ./inrank generate \"prompt\" [--checkpoint DIR (a step-* dir or a run dir; default the demo's)]"
                                    + " [--max-new-tokens 40] [--temperature 0.8 (0 = greedy)] [--top-k 40] [--seed 1] [--backend nd4j|reference|cuda]");
                    return;
                }
                default -> {
                    if (args[i].startsWith("--") || prompt != null) {
                        System.err.println("error: unexpected argument " + args[i]);
                        System.exit(2);
                    }
                    prompt = args[i];
                }
            }
        }
        if (prompt == null || prompt.isEmpty()) {
            System.err.println("error: give a prompt: ./inrank generate \"The history of\"");
            System.exit(2);
        }
        Backend be;
        try {
            be = Backends.open(backend);
        } catch (BackendUnavailableException e) {
            System.err.println("error: --backend " + e.getMessage());
            System.exit(2);
            return;
        }
        ServedModel m;
        try {
            m = ServedModel.load(be, ServedModel.resolve(Path.of(checkpoint)));
        } catch (Exception e) {
            System.err.println("error: " + e.getMessage()
                    + (checkpoint.startsWith(".inrank/demo")
                            ? " (run ./inrank demo first, or pass --checkpoint)"
                            : ""));
            System.exit(1);
            return;
        }
        int[] ids = Tokenizer.encode(prompt);
        int room = m.context() - ids.length;
        if (room < 1) {
            System.err.println(
                    "error: the prompt has " + ids.length + " tokens; the model's context is " + m.context());
            System.exit(1);
        }
        GenerationRequest req = new GenerationRequest(
                ids,
                Math.min(max, room),
                temperature == 0 ? Sampler.Params.greedy() : new Sampler.Params(temperature, topK, 1, 1, seed),
                List.of());
        CountDownLatch done = new CountDownLatch(1);
        Generation.Result[] result = new Generation.Result[1];
        System.err.printf(
                "[%s step %d, ranks %s]%n", m.run(), m.step(), m.ranks().values());
        System.out.print(prompt);
        try (Engine engine = new Engine(1, 1)) {
            engine.swap(m);
            engine.submit(req, new GenerationListener() {
                @Override
                public void token(int id, String text) {
                    System.out.print(text);
                    System.out.flush();
                }

                @Override
                public void done(Generation.Result r) {
                    result[0] = r;
                    done.countDown();
                }

                @Override
                public void failed(Throwable e) {
                    e.printStackTrace();
                    done.countDown();
                }
            });
            done.await();
        }
        System.out.println();
        if (result[0] != null) {
            System.err.printf(
                    "[%d tokens, %.1f tokens/s, finish: %s]%n",
                    result[0].tokens().length,
                    result[0].tokens().length / (result[0].totalNanos() / 1e9),
                    result[0].finish().name().toLowerCase());
        }
    }
}
