package io.inrank.model.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The availability check where there is no GPU (the build machines): a one-line reason, the same on every call, and
 * no CUDA class error escaping; on a GPU host the check's own run covers the other side.
 */
class CudaRuntimeTest {

    @Test
    void withoutADriverItSaysSoAndStaysUsable() {
        assumeTrue(!Files.exists(Path.of("/proc/driver/nvidia/version")), "an NVIDIA driver is present here");
        String first = CudaRuntime.unavailableReason();
        assertNotNull(first, "no driver, yet CUDA reported usable");
        assertEquals(first, CudaRuntime.unavailableReason(), "decided once");
        assertEquals("no CUDA driver found (libcuda.so.1)", first);
        IllegalStateException e = assertThrows(IllegalStateException.class, CudaRuntime::device);
        assertEquals("CUDA is not usable here: " + first, e.getMessage());
    }

    @Test
    void architectureNamesFollowTheComputeCapability() {
        assertEquals("sm_90", new CudaRuntime.Device(90, 13010, 13000, "13.1", false).arch());
        assertEquals("sm_100", new CudaRuntime.Device(100, 13010, 13000, "13.1", false).arch());
    }
}
