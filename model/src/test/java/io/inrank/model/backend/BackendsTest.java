package io.inrank.model.backend;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Opening backends by name: the known names, the default, and one-line reasons for what cannot run here. */
class BackendsTest {

    @Test
    void knownBackendsOpenByNameAndAreShared() {
        assertEquals("nd4j", Backends.open("nd4j").name());
        assertEquals("reference", Backends.open(" reference ").name());
        assertSame(Backends.open("reference"), Backends.open("reference"));
        assertEquals(
                System.getenv(Backends.ENV) == null
                        ? "nd4j"
                        : System.getenv(Backends.ENV).trim(),
                Backends.resolve(null));
        assertEquals("nd4j", Backends.resolve(System.getenv(Backends.ENV) == null ? "" : "nd4j"));
    }

    @Test
    void unknownAndUnavailableBackendsAreRefusedWithTheirReason() {
        BackendUnavailableException unknown =
                assertThrows(BackendUnavailableException.class, () -> Backends.open("tpu"));
        assertEquals("unknown backend 'tpu'; known: nd4j, reference, cuda", unknown.getMessage());

        List<Backends.Status> all = Backends.list();
        assertEquals(
                List.of("nd4j", "reference", "cuda"),
                all.stream().map(Backends.Status::name).toList());
        assertTrue(all.get(0).available() && all.get(1).available());
        Backends.Status cuda = all.get(2);
        if (!cuda.available()) {
            BackendUnavailableException e =
                    assertThrows(BackendUnavailableException.class, () -> Backends.open("cuda"));
            assertTrue(
                    e.getMessage()
                            .startsWith("cuda: " + cuda.unavailableReason()
                                    + "; backends here: nd4j (available), reference (available)"),
                    e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line");
            if (Backends.CudaDriver.missingReason() != null)
                assertEquals("no CUDA driver found (libcuda.so.1)", cuda.unavailableReason());
        }
    }
}
