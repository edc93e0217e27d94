package io.inrank.model.io;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.model.AdamW;
import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.TestBackends;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

    @TempDir
    Path tmp;

    static final Backend BE = TestBackends.nd4j();
    static final GptConfig CFG = new GptConfig(64, 16, 2, 2, 16, GptConfig.Mode.INRANK, true, 0.1, 1e-5);

    static double trainStep(GptModel m, AdamW opt, int[] ids, int[] tg, long step) {
        m.setDropoutStep(1000 + step);
        m.params().zeroGrad();
        double loss = m.forward(ids, tg, true);
        m.backward(1.0);
        AdamW.clipGradNorm(m.params(), 1.0);
        opt.step(1e-2);
        return loss;
    }

    GptModel trained(AdamW[] optOut, int[] ids, int[] tg) {
        GptModel m = new GptModel(BE, CFG, 2, 8, DType.F32, 3, null);
        for (int i = 0; i < 4; i++) m.setActiveModes(i, 3 + i);
        AdamW opt = AdamW.paperDefaults(m.params());
        for (int s = 0; s < 3; s++) trainStep(m, opt, ids, tg, s);
        optOut[0] = opt;
        return m;
    }

    @Test
    void roundTripIsBitExactAndTrainingContinuesIdentically() throws IOException {
        Random r = new Random(2);
        int[] ids = r.ints(16, 0, 64).toArray(), tg = r.ints(16, 0, 64).toArray();
        AdamW[] o = new AdamW[1];
        GptModel m = trained(o, ids, tg);
        Path dir = tmp.resolve("step-3");
        Checkpoint.save(dir, m, o[0], new Checkpoint.State(3, 1, 42, Map.of("epoch", 0, "position", 48)));
        assertFalse(Files.list(tmp).anyMatch(p -> p.getFileName().toString().contains(".tmp-")), "no temporary left");

        Checkpoint.Loaded l = Checkpoint.load(BE, dir, 2, 8);
        assertArrayEquals(
                BE.toHost(m.params().values()), BE.toHost(l.model().params().values()), "parameters bit-exact");
        assertArrayEquals(BE.toHost(o[0].firstMoment()), BE.toHost(l.optimizer().firstMoment()));
        assertArrayEquals(
                BE.toHost(o[0].secondMoment()), BE.toHost(l.optimizer().secondMoment()));
        assertEquals(3, l.optimizer().stepCount());
        assertEquals(3, l.state().step());
        assertEquals(48, ((Number) l.state().extra().get("position")).intValue());
        for (int i = 0; i < 4; i++) assertEquals(m.activeModes(i), l.model().activeModes(i));

        double a = trainStep(m, o[0], ids, tg, 3), b = trainStep(l.model(), l.optimizer(), ids, tg, 3);
        assertEquals(a, b, 0.0, "the resumed model computes the same loss");
        assertArrayEquals(
                BE.toHost(m.params().values()), BE.toHost(l.model().params().values()), "and the same update");
    }

    @Test
    void aRunDirectoryResolvesToItsNewestCheckpoint() throws IOException {
        Path run = Files.createDirectories(tmp.resolve("run"));
        Files.createDirectories(run.resolve("step-000000009"));
        Files.createDirectories(run.resolve("step-000000010"));
        Files.createDirectories(run.resolve(".step-000000011.tmp-x")); // a write in progress is no checkpoint
        Files.writeString(run.resolve("step-000000012"), "a file, not a checkpoint");
        assertEquals(run.resolve("step-000000010"), Checkpoint.resolve(run));
        Files.writeString(run.resolve("step-000000009").resolve("state.json"), "{}");
        assertEquals(run.resolve("step-000000009"), Checkpoint.resolve(run.resolve("step-000000009")), "as given");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        IOException e = assertThrows(IOException.class, () -> Checkpoint.resolve(empty));
        assertTrue(e.getMessage().contains("neither a checkpoint"), e.getMessage());
    }

    @Test
    void aFlippedByteOrATruncatedFileIsRefused() throws IOException {
        Random r = new Random(3);
        int[] ids = r.ints(16, 0, 64).toArray(), tg = r.ints(16, 0, 64).toArray();
        AdamW[] o = new AdamW[1];
        GptModel m = trained(o, ids, tg);
        Path dir = tmp.resolve("ckpt");
        Checkpoint.save(dir, m, o[0], new Checkpoint.State(3, 1, 42, Map.of()));
        Path model = dir.resolve("model.safetensors");
        byte[] b = Files.readAllBytes(model);
        b[b.length / 2] ^= 0x01;
        Files.write(model, b);
        var e = assertThrows(IOException.class, () -> Checkpoint.load(BE, dir, 2, 8));
        assertTrue(
                e.getMessage().contains("model.safetensors: sha256")
                        && e.getMessage().endsWith("corrupted"),
                e.getMessage());

        b[b.length / 2] ^= 0x01;
        Files.write(model, java.util.Arrays.copyOf(b, b.length - 100));
        var e2 = assertThrows(IOException.class, () -> Checkpoint.load(BE, dir, 2, 8));
        assertTrue(e2.getMessage().contains("expected " + b.length + " (truncated?)"), e2.getMessage());

        var e3 = assertThrows(IOException.class, () -> Checkpoint.load(BE, tmp.resolve("nothing"), 2, 8));
        assertTrue(e3.getMessage().endsWith("not a checkpoint (no state.json)"), e3.getMessage());

        // a truncated safetensors file on its own is refused by the reader too
        var e4 = assertThrows(IOException.class, () -> Safetensors.read(model));
        assertTrue(
                e4.getMessage().startsWith(model.toString()) && e4.getMessage().contains("truncated"), e4.getMessage());
    }

    @Test
    void inferenceExportKeepsOnlyActiveModesAndTheSameLogits() throws Exception {
        Random r = new Random(4);
        int[] ids = r.ints(16, 0, 64).toArray(), tg = r.ints(16, 0, 64).toArray();
        AdamW[] o = new AdamW[1];
        GptModel m = trained(o, ids, tg);
        Path dir = tmp.resolve("export");
        Checkpoint.exportInference(dir, m, new Checkpoint.State(3, 1, 0, Map.of()));
        assertFalse(Files.exists(dir.resolve("optimizer.safetensors")));
        Checkpoint.Loaded l = Checkpoint.load(BE, dir, 2, 8);
        assertNull(l.optimizer());
        assertArrayEquals(
                new long[] {3, 16}, l.model().params().get("h.0.mlp.fc1.A").shape());
        assertArrayEquals(
                new long[] {6, 16}, l.model().params().get("h.1.mlp.fc2.Bt").shape());
        assertTrue(l.model().params().count() < m.params().count());
        m.forward(ids, null, false);
        double[] want = BE.toHost(m.logits());
        l.model().forward(ids, null, false);
        assertArrayEquals(want, BE.toHost(l.model().logits()));

        // PyTorch (src/test/python/gpt_reference.py) loads the Java checkpoint and reproduces its logits
        Assumptions.assumeTrue(torchAvailable(), "python3-torch not installed: the PyTorch cross-check is skipped");
        Path probe = tmp.resolve("probe.safetensors");
        double[] tokens = new double[16];
        for (int i = 0; i < 16; i++) tokens[i] = ids[i];
        Safetensors.write(
                probe,
                Map.of(
                        "tokens",
                        Safetensors.HostTensor.of(tokens, 2, 8),
                        "logits",
                        Safetensors.HostTensor.of(want, m.logits().shape())),
                Map.of());
        Process p = new ProcessBuilder(
                        "/usr/bin/python3",
                        "src/test/python/gpt_reference.py",
                        dir.toString(),
                        "--check-java",
                        probe.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        System.out.print(out);
        assertEquals(0, p.exitValue(), out);
    }

    static boolean torchAvailable() {
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import torch")
                    .redirectErrorStream(true)
                    .start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
