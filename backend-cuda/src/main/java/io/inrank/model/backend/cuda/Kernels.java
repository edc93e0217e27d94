package io.inrank.model.backend.cuda;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * The kernel families as loaded code: each family's translation unit ({@link KernelSources#unit}) is compiled by
 * NVRTC for the device's own architecture at first use (a cubin, so no PTX JIT and no driver-version coupling),
 * kept in the {@link CubinCache}, loaded with cuModuleLoadData, and its functions launched on the backend's stream.
 */
final class Kernels {
    /** NVRTC options: the device's arch, C++17, full-precision math (no fast-math: the CPU checks assume IEEE expf/erff). */
    static String[] options(String arch) {
        return new String[] {
            "--gpu-architecture=" + arch, "--std=c++17", "-default-device", "--extra-device-vectorization"
        };
    }

    private final CudaRuntime.Device device;
    private final CubinCache cache;
    private final CUstream_st stream;
    private final CUctx_st context;
    private final Map<String, CUmod_st> modules = new HashMap<>();
    private final Map<String, CUfunc_st> functions = new HashMap<>();
    private final KernelArgs args = new KernelArgs();

    Kernels(CudaRuntime.Device device, CubinCache cache, CUstream_st stream, CUctx_st context) {
        this.device = device;
        this.cache = cache;
        this.stream = stream;
        this.context = context;
    }

    /** The argument block for the next launch (reset). */
    KernelArgs args() {
        return args.reset();
    }

    /** Launches family/name with the arguments last written to {@link #args()}. */
    void launch(String family, String name, int gridX, int gridY, int block, int sharedBytes) {
        CUfunc_st f = function(family, name);
        CudaCheck.drv(cudart.cuCtxSetCurrent(context), "cuCtxSetCurrent");
        CudaCheck.drv(
                cudart.cuLaunchKernel(f, gridX, gridY, 1, block, 1, 1, sharedBytes, stream, args.params(), null),
                "cuLaunchKernel " + name + " grid (" + gridX + ", " + gridY + ") block " + block);
    }

    void launch(String family, String name, int grid, int block) {
        launch(family, name, grid, 1, block, 0);
    }

    /** A one-dimensional launch on another stream than the backend's (the gradient reduction's). */
    void launchOn(CUstream_st on, String family, String name, int grid, int block) {
        CUfunc_st f = function(family, name);
        CudaCheck.drv(cudart.cuCtxSetCurrent(context), "cuCtxSetCurrent");
        CudaCheck.drv(
                cudart.cuLaunchKernel(f, grid, 1, 1, block, 1, 1, 0, on, args.params(), null),
                "cuLaunchKernel " + name + " grid " + grid + " block " + block);
    }

    private CUfunc_st function(String family, String name) {
        String key = family + "/" + name;
        CUfunc_st f = functions.get(key);
        if (f != null) return f;
        CUmod_st m = modules.computeIfAbsent(family, this::load);
        f = new CUfunc_st();
        CudaCheck.drv(cudart.cuModuleGetFunction(f, m, name), "cuModuleGetFunction " + key);
        functions.put(key, f);
        return f;
    }

    private CUmod_st load(String family) {
        String source = KernelSources.unit(family);
        Path file = cache.file(family, source, device.arch(), device.nvrtcVersion());
        byte[] cubin = cache.load(file);
        if (cubin == null) {
            cubin = compile(family, source, device.arch());
            cache.store(file, cubin);
        }
        CUmod_st m = new CUmod_st();
        CudaCheck.drv(cudart.cuCtxSetCurrent(context), "cuCtxSetCurrent");
        CudaCheck.drv(cudart.cuModuleLoadData(m, new BytePointer(cubin)), "cuModuleLoadData " + family);
        return m;
    }

    /** NVRTC: one family to a cubin for arch; a compile error carries NVRTC's log. */
    static byte[] compile(String family, String source, String arch) {
        _nvrtcProgram prog = new _nvrtcProgram();
        CudaCheck.rtc(
                nvrtc.nvrtcCreateProgram(
                        prog,
                        new BytePointer(source),
                        new BytePointer(family + ".cu"),
                        0,
                        (PointerPointer<?>) null,
                        (PointerPointer<?>) null),
                "nvrtcCreateProgram " + family);
        try {
            String[] opts = options(arch);
            int status = nvrtc.nvrtcCompileProgram(prog, opts.length, new PointerPointer<>(opts));
            if (status != 0) {
                throw new CudaCheck.CudaException("NVRTC could not compile kernel family '" + family + "' for " + arch
                        + ": " + nvrtc.nvrtcGetErrorString(status).getString() + "\n" + log(prog));
            }
            SizeTPointer size = new SizeTPointer(1);
            CudaCheck.rtc(nvrtc.nvrtcGetCUBINSize(prog, size), "nvrtcGetCUBINSize");
            byte[] out = new byte[(int) size.get()];
            CudaCheck.rtc(nvrtc.nvrtcGetCUBIN(prog, out), "nvrtcGetCUBIN");
            return out;
        } finally {
            nvrtc.nvrtcDestroyProgram(prog);
        }
    }

    private static String log(_nvrtcProgram prog) {
        SizeTPointer size = new SizeTPointer(1);
        if (nvrtc.nvrtcGetProgramLogSize(prog, size) != 0 || size.get() <= 1) return "(no log)";
        byte[] log = new byte[(int) size.get()];
        nvrtc.nvrtcGetProgramLog(prog, log);
        return new String(log, 0, log.length - 1, java.nio.charset.StandardCharsets.UTF_8); // the log ends in a NUL
    }
}
