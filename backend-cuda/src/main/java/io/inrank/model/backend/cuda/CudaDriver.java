package io.inrank.model.backend.cuda;

import io.inrank.model.backend.CudaEmulation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finds the NVIDIA driver's user-space library without loading it (no JNI here), so listing backends stays cheap. */
final class CudaDriver {
    private CudaDriver() {}

    static final List<String> DIRS = List.of(
            "/usr/lib/x86_64-linux-gnu",
            "/usr/lib64",
            "/usr/lib",
            "/usr/local/nvidia/lib64",
            "/usr/local/nvidia/lib",
            "/usr/lib/wsl/lib");

    /**
     * Null if libcuda.so.1 is found (in LD_LIBRARY_PATH or the usual places), else the reason. With
     * {@link CudaEmulation#requested()} the emulated device's verdict instead; without it, an emulator directory's
     * stand-in does not count as a driver.
     */
    static String missingReason() {
        if (CudaEmulation.requested()) return CudaEmulation.unavailableReason();
        List<String> dirs = new ArrayList<>();
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) for (String d : ld.split(":")) if (!d.isBlank()) dirs.add(d);
        dirs.addAll(DIRS);
        for (String d : dirs)
            if (Files.exists(Path.of(d, "libcuda.so.1")) && !CudaEmulation.isEmulatorDir(Path.of(d))) return null;
        return "no CUDA driver found (libcuda.so.1)";
    }
}
