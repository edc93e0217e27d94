package io.inrank.model.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The emulated CUDA device's selection: parsed strictly, refused where a real driver is, and only where it is loaded. */
class CudaEmulationTest {

    @TempDir
    Path tmp;

    @Test
    void theSettingIsParsedStrictly() {
        assertFalse(CudaEmulation.Setting.parse(null).on());
        assertFalse(CudaEmulation.Setting.parse("0").on());
        assertTrue(CudaEmulation.Setting.parse("1").on());
        assertTrue(CudaEmulation.Setting.parse(" true ").on());
        CudaEmulation.Setting typo = CudaEmulation.Setting.parse("on please");
        assertEquals("INRANK_CUDA_EMULATION='on please': expected 1 (emulate) or 0", typo.error());
    }

    @Test
    void refusedWhereARealDriverExistsAndWithoutItsLibraries() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("lib"));
        Files.writeString(dir.resolve(CudaEmulation.MARKER), "");
        assertTrue(CudaEmulation.reason(true, dir, dir.toString())
                .startsWith("INRANK_CUDA_EMULATION=1 is refused: this machine has a real NVIDIA driver"));
        assertTrue(CudaEmulation.reason(false, null, null).contains("not on this JVM's library path"));
        assertTrue(CudaEmulation.reason(false, dir, "/usr/lib").contains("not on LD_LIBRARY_PATH"));
        assertNull(CudaEmulation.reason(false, dir, "/usr/lib:" + dir));
    }

    @Test
    void anEmulatorDirectoryIsNoDriver() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("emu"));
        Files.writeString(dir.resolve("libcuda.so.1"), "");
        assertFalse(CudaEmulation.isEmulatorDir(dir));
        Files.writeString(dir.resolve(CudaEmulation.MARKER), "");
        assertTrue(CudaEmulation.isEmulatorDir(dir), "its libcuda.so.1 must not count as a driver");
    }
}
