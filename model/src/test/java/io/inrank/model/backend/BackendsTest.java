package io.inrank.model.backend;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Backend options parsed once (names, precisions, env defaults) and checked once against the provider that answers to
 * the name; one-line reasons for what cannot run here.
 */
class BackendsTest {

    @Test
    void optionsParseOnceWithEnvDefaults() {
        Map<String, String> env = Map.of("INRANK_BACKEND", " Reference ", "INRANK_PRECISION", "BF16");
        assertEquals(new BackendOptions("reference", Precision.BF16), BackendOptions.parse(null, "", env::get));
        assertEquals(new BackendOptions("cuda", Precision.TF32), BackendOptions.parse("cuda", "tf32", env::get));
        assertEquals(new BackendOptions("nd4j", Precision.FP32), BackendOptions.parse(null, null, k -> null));
        assertEquals(
                List.of("--backend", "cuda", "--precision", "bf16"),
                BackendOptions.parse("cuda", "bf16").arguments());
        IllegalArgumentException bad =
                assertThrows(IllegalArgumentException.class, () -> BackendOptions.parse("nd4j", "fp16", k -> null));
        assertEquals("precision: expected fp32, tf32 or bf16, got 'fp16'", bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BackendOptions.parse("../cuda", null, k -> null));
    }

    @Test
    void backendsOpenByOptionsAndAreShared() {
        assertEquals("nd4j", Backends.open("nd4j").name());
        assertEquals("reference", Backends.open(" reference ").name());
        assertSame(Backends.open("reference"), Backends.open(BackendOptions.of("reference")));
    }

    @Test
    void unknownBackendsAndMissingPrecisionsAreRefusedInOneLine() {
        BackendUnavailableException unknown =
                assertThrows(BackendUnavailableException.class, () -> Backends.open("tpu"));
        assertTrue(
                unknown.getMessage().startsWith("tpu: no such backend here (found: nd4j, reference;"),
                unknown.getMessage());
        BackendUnavailableException bf16 = assertThrows(
                BackendUnavailableException.class, () -> Backends.open(new BackendOptions("nd4j", Precision.BF16)));
        assertEquals("nd4j has no bf16 GEMMs (it has fp32)", bf16.getMessage());
        assertEquals("--precision bf16: nd4j has no bf16 GEMMs (it has fp32)", bf16.asOptionError());
        assertEquals(Precision.BF16, bf16.precision());
        assertNull(unknown.precision(), "a backend reason, not a precision");
        assertTrue(unknown.asOptionError().startsWith("--backend tpu: no such backend here"), unknown.asOptionError());

        List<Backends.Status> all = Backends.list();
        // the model module's own providers, default first; this module has no accelerator
        assertEquals(
                List.of("nd4j", "reference"),
                all.stream().map(Backends.Status::name).toList());
        assertTrue(all.get(0).available() && all.get(1).available());
        assertEquals(List.of(Precision.FP32), all.get(0).precisions());
    }
}
