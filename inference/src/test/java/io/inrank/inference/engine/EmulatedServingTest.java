package io.inrank.inference.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inrank.inference.TinyCheckpoint;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.BackendOptions;
import io.inrank.model.backend.BackendUnavailableException;
import io.inrank.model.backend.Backends;
import io.inrank.model.backend.Precision;
import io.inrank.model.generate.Sampler;
import io.inrank.tokenizer.Gpt2Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's engine on the cuda backend, on the emulated CUDA device (the same Java code, JNI bindings and kernel
 * sources a GPU gets): one checkpoint, three prompts decoded together (batched KV-cache attention, factored layers,
 * host-side sampling), greedy; every sequence's tokens equal nd4j's on the same checkpoint.
 */
class EmulatedServingTest {
    @TempDir
    static Path tmp;

    static final List<String> PROMPTS =
            List.of("The Congress", "Fellow-Citizens of the Senate and House of Representatives:", "In");

    static List<Generation.Result> serve(Backend be, Path checkpoint) throws Exception {
        ServedModel model = ServedModel.load(be, checkpoint);
        List<CompletableFuture<Generation.Result>> answers = new ArrayList<>();
        try (Engine e = new Engine(4, 4)) {
            e.swap(model);
            for (String p : PROMPTS) {
                CompletableFuture<Generation.Result> f = new CompletableFuture<>();
                e.submit(
                        new GenerationRequest(Gpt2Tokenizer.encode(p), 24, Sampler.Params.greedy(), List.of()),
                        new GenerationListener() {
                            @Override
                            public void token(int id, String text) {}

                            @Override
                            public void done(Generation.Result r) {
                                f.complete(r);
                            }

                            @Override
                            public void failed(Throwable t) {
                                f.completeExceptionally(t);
                            }
                        });
                answers.add(f);
            }
            List<Generation.Result> out = new ArrayList<>();
            for (CompletableFuture<Generation.Result> f : answers) out.add(f.get(10, TimeUnit.MINUTES));
            return out;
        }
    }

    @Test
    void greedyTextOnTheEmulatedDeviceEqualsNd4js() throws Exception {
        Path checkpoint = TinyCheckpoint.write(tmp, "emulated", 5);
        List<Generation.Result> cpu = serve(Backends.open("nd4j"), checkpoint);
        List<Generation.Result> gpu = serve(Backends.open(BackendOptions.parse("cuda", "fp32")), checkpoint);
        for (int i = 0; i < PROMPTS.size(); i++) {
            assertEquals(24, gpu.get(i).tokens().length, PROMPTS.get(i));
            assertArrayEquals(cpu.get(i).tokens(), gpu.get(i).tokens(), "greedy tokens of '" + PROMPTS.get(i) + "'");
            assertEquals(cpu.get(i).text(), gpu.get(i).text());
        }
        System.out.println("emulated cuda serving: " + gpu.get(0).text().replace('\n', ' '));
    }

    @Test
    void aPrecisionTheCpuBackendLacksIsRefusedInOneLine() {
        BackendUnavailableException e = org.junit.jupiter.api.Assertions.assertThrows(
                BackendUnavailableException.class, () -> Backends.open(new BackendOptions("nd4j", Precision.BF16)));
        assertEquals("nd4j has no bf16 GEMMs (it has fp32)", e.getMessage());
        assertTrue(
                Backends.list().stream().anyMatch(s -> s.name().equals("cuda") && s.available()), Backends.summary());
    }
}
