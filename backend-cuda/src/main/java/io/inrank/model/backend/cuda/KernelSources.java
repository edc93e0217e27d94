package io.inrank.model.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CUDA C sources of the kernels, one file per family (forward and backward together), each compiled with
 * {@code device_math.cuh} (and the family's own headers) prepended: one self-contained translation unit, so NVRTC needs no include path and no
 * toolkit headers. The runtime compiles a family at first use for the device's own architecture.
 */
public final class KernelSources {
    private KernelSources() {}

    /** The families, in the order a training step first uses them. */
    public static final List<String> FAMILIES = List.of(
            "tensor_ops", "embedding", "layernorm", "attention", "gelu", "dropout", "crossentropy", "adamw", "decode");

    static final String DIR = "/io/inrank/model/backend/cuda/kernels/";
    static final String MATH = "device_math.cuh";

    /** Headers a family needs after the shared math (its row functions, which the host probe checks too). */
    static final Map<String, List<String>> HEADERS =
            Map.of("attention", List.of("attention_rows.cuh"), "decode", List.of("attention_rows.cuh"));

    /** The kernel names a family defines ({@code extern "C" __global__ void [__launch_bounds__(N)] NAME(}). */
    private static final Pattern KERNEL =
            Pattern.compile("extern \"C\" __global__ void (?:__launch_bounds__\\(\\d+\\) )?(\\w+)\\(");

    /** The translation unit of a family: the shared device math, then the family's kernels. */
    public static String unit(String family) {
        if (!FAMILIES.contains(family)) throw new IllegalArgumentException("no kernel family '" + family + "'");
        StringBuilder unit = new StringBuilder();
        List<String> parts = new ArrayList<>(List.of(MATH));
        parts.addAll(HEADERS.getOrDefault(family, List.of()));
        parts.add(family + ".cu");
        for (String part : parts)
            unit.append("// ---- ")
                    .append(part)
                    .append(" ----\n")
                    .append(resource(part))
                    .append('\n');
        return unit.toString();
    }

    /** The file as shipped in the jar. */
    public static String resource(String name) {
        try (InputStream in = KernelSources.class.getResourceAsStream(DIR + name)) {
            if (in == null) throw new IllegalStateException("kernel source " + DIR + name + " is not in the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The entry points of a family, in source order. */
    public static List<String> kernels(String family) {
        List<String> out = new ArrayList<>();
        Matcher m = KERNEL.matcher(resource(family + ".cu"));
        while (m.find()) out.add(m.group(1));
        return out;
    }
}
