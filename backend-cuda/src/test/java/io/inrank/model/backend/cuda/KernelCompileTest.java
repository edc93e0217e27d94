package io.inrank.model.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kernel family compiles, as the translation unit the runtime hands NVRTC, for Hopper (sm_90) and Blackwell
 * (sm_100) with warnings as errors. Skipped (with the reason) where the machine has no nvcc.
 */
class KernelCompileTest {
    @TempDir
    Path tmp;

    static List<String> families() {
        return KernelSources.FAMILIES;
    }

    @ParameterizedTest
    @MethodSource("families")
    void compilesForHopperAndBlackwellWithoutWarnings(String family) throws Exception {
        Path nvcc = Nvcc.find();
        assumeTrue(nvcc != null, "no nvcc on this machine: kernel compile checks skipped");
        Path unit = tmp.resolve(family + ".cu");
        Files.writeString(unit, KernelSources.unit(family));
        for (String arch : List.of("sm_90", "sm_100")) {
            Path cubin = tmp.resolve(family + "." + arch + ".cubin");
            Nvcc.Result r = Nvcc.run(
                    nvcc,
                    List.of(
                            "-cubin",
                            "-arch=" + arch,
                            "-std=c++17",
                            "-Werror",
                            "all-warnings",
                            "-o",
                            cubin.toString(),
                            unit.toString()));
            assertEquals(0, r.exit(), family + " for " + arch + ":\n" + r.output());
            assertTrue(r.output().isBlank(), family + " for " + arch + " printed:\n" + r.output());
            assertTrue(Files.size(cubin) > 0);
        }
    }

    /** The style every family keeps: kernels found, each with a comment right above that states its shapes. */
    @ParameterizedTest
    @MethodSource("families")
    void everyKernelSaysItsShapesAndLaunch(String family) {
        List<String> kernels = KernelSources.kernels(family);
        assertFalse(kernels.isEmpty(), family + " defines no kernel");
        String src = KernelSources.resource(family + ".cu");
        for (String k : kernels) {
            Matcher m = Pattern.compile(
                            "((?://[^\\n]*\\n)+)extern \"C\" __global__ void (?:__launch_bounds__\\(\\d+\\) )?" + k
                                    + "\\(")
                    .matcher(src);
            assertTrue(m.find(), family + "." + k + ": no comment above the kernel");
            assertTrue(m.group(1).contains("block ="), family + "." + k + ": the comment gives no launch shape");
            assertTrue(m.group(1).contains("["), family + "." + k + ": the comment gives no tensor shapes");
        }
    }

    @Test
    void unknownFamilyIsRefused() {
        try {
            KernelSources.unit("softmax9");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("softmax9"));
            return;
        }
        throw new AssertionError("accepted an unknown family");
    }
}
