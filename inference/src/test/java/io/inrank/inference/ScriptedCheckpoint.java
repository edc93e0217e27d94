package io.inrank.inference;

import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.Params;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.Backends;
import io.inrank.model.backend.DType;
import io.inrank.model.io.Checkpoint;
import io.inrank.tokenizer.Gpt2Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A real tiny checkpoint whose weights are set by hand so that greedy decoding after a one-token prompt emits a chosen
 * token sequence and then EOS — how a test makes the model itself produce, say, an emoji split across tokens.
 *
 * <p>How: attention and MLP outputs are zeroed (every block adds nothing to the residual), so the last hidden state is
 * wte[token] + wpe[position]. Each scripted token gets its own embedding axis (all other token embeddings are zero),
 * and position p's embedding points, 10× stronger, along the axis of the token to emit after p. Through the final layer
 * norm and the tied LM head that token has the one clearly positive logit.
 */
public final class ScriptedCheckpoint {
    private ScriptedCheckpoint() {}

    public static Path write(Path root, String run, int[] script) throws Exception {
        GptConfig cfg = GptConfig.preset("tiny", GptConfig.Mode.INRANK);
        GptModel m = new GptModel(Backends.open("nd4j"), cfg, 1, 1, DType.F32, 1, null);
        Params p = m.params();
        Backend be = m.backend();
        for (int l = 0; l < cfg.layers(); l++) {
            for (String s : new String[] {"attn.c_proj.weight", "attn.c_proj.bias", "mlp.fc2.Bt", "mlp.fc2.bias"})
                be.fill(p.value("h." + l + "." + s), 0);
        }
        be.fill(p.value("ln_f.weight"), 1);
        be.fill(p.value("ln_f.bias"), 0);
        Map<Integer, Integer> axis = new LinkedHashMap<>();
        for (int t : script) axis.putIfAbsent(t, axis.size());
        axis.putIfAbsent(Gpt2Tokenizer.EOS, axis.size());
        int c = cfg.dim();
        if (axis.size() > c) throw new IllegalArgumentException("at most " + c + " distinct tokens");
        double[] wte = new double[cfg.vocab() * c], wpe = new double[cfg.context() * c];
        axis.forEach((t, a) -> wte[t * c + a] = 1);
        for (int pos = 0; pos < cfg.context(); pos++) {
            int next = pos < script.length ? script[pos] : Gpt2Tokenizer.EOS; // the prompt is the token at position 0
            wpe[pos * c + axis.get(next)] = 10;
        }
        be.fromHost(p.value("wte"), wte);
        be.fromHost(p.value("wpe"), wpe);
        Path d = root.resolve(run).resolve("step-000000001");
        Files.createDirectories(d.getParent());
        Checkpoint.save(d, m, null, new Checkpoint.State(1, 1, 1, Map.of("run", run, "preset", "tiny")));
        return d;
    }
}
