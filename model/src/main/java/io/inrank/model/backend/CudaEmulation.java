package io.inrank.model.backend;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Whether this process runs the {@code cuda} backend on the emulated CUDA device (the cuda-emulator module: stand-in
 * CUDA libraries that run kernels and cuBLAS/cuSOLVER calls on the CPU), decided once from the environment.
 * {@value #ENV}{@code =1} asks for it; the JVM must also have been started with the emulator's library directory as
 * JavaCPP's link path and on {@code LD_LIBRARY_PATH} ({@code ./inrank} and the Maven test runs do that). It is refused
 * where a real NVIDIA driver exists: the emulation never stands in for a GPU. No JNI is touched here.
 */
public final class CudaEmulation {
    private CudaEmulation() {}

    public static final String ENV = "INRANK_CUDA_EMULATION";
    /** JavaCPP's property for the directories searched first for the libraries a preset links. */
    public static final String LINK_PATH = "org.bytedeco.javacpp.platform.linkpath";
    /** The core library every stand-in links: its presence marks an emulator directory. */
    public static final String MARKER = "libinrank-cudaemu.so";

    static final Path NVIDIA_DRIVER = Path.of("/proc/driver/nvidia/version");

    /** The setting as given: on, off, or a value that is neither (refused with its reason). */
    public record Setting(boolean on, String error) {
        public static Setting parse(String value) {
            if (value == null) return new Setting(false, null);
            return switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "", "0", "false", "no" -> new Setting(false, null);
                case "1", "true", "yes" -> new Setting(true, null);
                default -> new Setting(true, ENV + "='" + value + "': expected 1 (emulate) or 0");
            };
        }
    }

    private static final Setting SETTING = Setting.parse(System.getenv(ENV));

    /** True when {@value #ENV} asks for the emulated device (then {@code cuda} means it, or is unavailable). */
    public static boolean requested() {
        return SETTING.on();
    }

    /** The emulator's library directory from JavaCPP's link path, or null. */
    public static Path libraryDir() {
        String p = System.getProperty(LINK_PATH);
        if (p == null) return null;
        for (String d : p.split(java.io.File.pathSeparator)) {
            if (!d.isBlank() && Files.isRegularFile(Path.of(d, MARKER)))
                return Path.of(d).toAbsolutePath();
        }
        return null;
    }

    /** True when dir holds the emulator (so its libcuda.so.1 is no driver). */
    public static boolean isEmulatorDir(Path dir) {
        return Files.isRegularFile(dir.resolve(MARKER));
    }

    /** Null when the emulated device may be used in this JVM, else why not (one line). Only when requested. */
    public static String unavailableReason() {
        if (SETTING.error() != null) return SETTING.error();
        return reason(Files.exists(NVIDIA_DRIVER), libraryDir(), System.getenv("LD_LIBRARY_PATH"));
    }

    static String reason(boolean realDriver, Path dir, String ldLibraryPath) {
        if (realDriver) {
            return ENV + "=1 is refused: this machine has a real NVIDIA driver (" + NVIDIA_DRIVER
                    + "); the emulation never stands in for a GPU";
        }
        if (dir == null) {
            return "the emulated CUDA device is not on this JVM's library path: start it with ./inrank, or pass -D"
                    + LINK_PATH + "=DIR and LD_LIBRARY_PATH=DIR with DIR = cuda-emulator/target/emulated-cuda/lib"
                    + " (built by ./mvnw -pl cuda-emulator install)";
        }
        boolean onLoaderPath = false;
        if (ldLibraryPath != null)
            for (String d : ldLibraryPath.split(":"))
                if (!d.isBlank() && Path.of(d).toAbsolutePath().normalize().equals(dir.normalize()))
                    onLoaderPath = true;
        if (!onLoaderPath) {
            return "the emulated CUDA device at " + dir + " is JavaCPP's link path but not on LD_LIBRARY_PATH"
                    + " (the driver stand-in libcuda.so.1 is found through it)";
        }
        return null;
    }
}
