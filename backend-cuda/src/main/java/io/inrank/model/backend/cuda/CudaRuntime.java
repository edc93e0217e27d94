package io.inrank.model.backend.cuda;

import io.inrank.model.backend.CudaEmulation;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.cusolver;
import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.javacpp.Loader;

/**
 * Whether CUDA can be used in this process, decided once and in one place. Touching any {@code org.bytedeco.cuda}
 * class first loads its JNI library, which needs the driver's libcuda.so.1; without it the JVM throws
 * UnsatisfiedLinkError once and NoClassDefFoundError on every later touch. So: the driver file is looked for first
 * (nothing loaded), then the libraries are loaded in a try, then a device of compute capability ≥ 8.0 is required
 * (the kernels use bf16 and sm_80+ warp features). Everything else asks {@link #unavailableReason()} first.
 */
public final class CudaRuntime {
    private CudaRuntime() {}

    /** The oldest architecture the kernels are written for (Ampere); Hopper is 9.0, Blackwell 10.x. */
    public static final int MIN_COMPUTE_CAPABILITY = 80;

    /**
     * What was found: the device's compute capability as major·10 + minor, and the library versions; {@code emulated}
     * when it is the emulated device on the CPU ({@link CudaEmulation}), whose NVRTC version names the emulator build
     * (so its kernel images never share a cache entry with a real GPU's cubins).
     */
    public record Device(
            int computeCapability, int runtimeVersion, int driverVersion, String nvrtcVersion, boolean emulated) {
        /** The NVRTC/nvcc architecture name, e.g. sm_90. */
        public String arch() {
            return "sm_" + computeCapability;
        }
    }

    private static final Object LOCK = new Object();
    private static volatile boolean probed;
    private static volatile String reason;
    private static volatile Device device;

    /** Null when CUDA is usable here, else why not, in one line. Cheap after the first call. */
    public static String unavailableReason() {
        probe();
        return reason;
    }

    /** Device 0, once {@link #unavailableReason()} is null. */
    public static Device device() {
        probe();
        if (reason != null) throw new IllegalStateException("CUDA is not usable here: " + reason);
        return device;
    }

    private static void probe() {
        if (probed) return;
        synchronized (LOCK) {
            if (probed) return;
            try {
                reason = CudaDriver.missingReason();
                if (reason == null) device = open();
            } catch (UnavailableException e) {
                reason = e.getMessage();
            } catch (LinkageError e) {
                reason = "the CUDA 13 libraries could not be loaded (" + e.getMessage() + ")";
            } finally {
                probed = true;
            }
        }
    }

    private static Device open() {
        Loader.load(cudart.class);
        int[] count = {0};
        check(cudart.cudaGetDeviceCount(count), "cudaGetDeviceCount");
        if (count[0] == 0) throw new UnavailableException("the CUDA driver sees no GPU");
        int[] major = {0}, minor = {0}, runtime = {0}, driver = {0};
        check(cudart.cudaDeviceGetAttribute(major, cudart.cudaDevAttrComputeCapabilityMajor, 0), "compute capability");
        check(cudart.cudaDeviceGetAttribute(minor, cudart.cudaDevAttrComputeCapabilityMinor, 0), "compute capability");
        check(cudart.cudaRuntimeGetVersion(runtime), "cudaRuntimeGetVersion");
        check(cudart.cudaDriverGetVersion(driver), "cudaDriverGetVersion");
        int cc = major[0] * 10 + minor[0];
        if (cc < MIN_COMPUTE_CAPABILITY) {
            throw new UnavailableException("GPU 0 has compute capability " + major[0] + "." + minor[0]
                    + "; the CUDA backend needs 8.0 or newer");
        }
        if (driver[0] < 13000) {
            throw new UnavailableException("the CUDA driver supports CUDA " + driver[0] / 1000 + "."
                    + driver[0] % 1000 / 10 + "; the CUDA backend needs a CUDA 13 driver");
        }
        Loader.load(nvrtc.class);
        int[] nvMajor = {0}, nvMinor = {0};
        if (nvrtc.nvrtcVersion(nvMajor, nvMinor) != 0) throw new UnavailableException("NVRTC did not report a version");
        String nvrtcVersion = nvMajor[0] + "." + nvMinor[0];
        boolean emulated = CudaEmulation.requested();
        if (emulated) {
            Loader.load(cublas.class);
            Loader.load(cusolver.class);
            String stray = EmulatedLibraries.foreignCudaLibrary(CudaEmulation.libraryDir());
            if (stray != null) {
                throw new UnavailableException("INRANK_CUDA_EMULATION=1 but a real CUDA library was loaded (" + stray
                        + "): the emulation and real libraries must not mix");
            }
            nvrtcVersion += "-emulated-" + EmulatedLibraries.buildId(CudaEmulation.libraryDir());
        }
        return new Device(cc, runtime[0], driver[0], nvrtcVersion, emulated);
    }

    private static void check(int status, String what) {
        if (status != 0) {
            throw new UnavailableException(
                    what + " failed: " + cudart.cudaGetErrorString(status).getString() + " (" + status + ")");
        }
    }

    /** A reason CUDA cannot be used, as a one-line message. */
    static final class UnavailableException extends RuntimeException {
        UnavailableException(String message) {
            super(message);
        }
    }
}
