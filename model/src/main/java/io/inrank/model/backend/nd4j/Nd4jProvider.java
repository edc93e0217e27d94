package io.inrank.model.backend.nd4j;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.BackendBench;
import io.inrank.model.backend.BackendOptions;
import io.inrank.model.backend.BackendProvider;
import java.util.List;

/**
 * Registers {@code nd4j} with {@link io.inrank.model.backend.Backends}. Available when ND4J's classes and its
 * linux-x86_64 native library are on the class path; checked without loading either (this class names no ND4J type,
 * so listing backends works in a JVM without ND4J).
 */
public final class Nd4jProvider implements BackendProvider {
    /** The JNI library inside the nd4j-native linux-x86_64 jar. */
    static final String NATIVE_LIBRARY = "org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64/libjnind4jcpu.so";

    @Override
    public String name() {
        return "nd4j";
    }

    @Override
    public String description() {
        return "CPU: ND4J + OpenBLAS GEMMs, Vector-API kernels";
    }

    @Override
    public String unavailableReason() {
        ClassLoader cl = Nd4jProvider.class.getClassLoader();
        try {
            Class.forName("org.nd4j.linalg.factory.Nd4j", false, cl);
        } catch (ClassNotFoundException | LinkageError e) {
            return "ND4J is not on the class path";
        }
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")
                || !System.getProperty("os.arch", "").matches("amd64|x86_64")) {
            return "this build carries ND4J's linux-x86_64 natives only";
        }
        if (cl.getResource(NATIVE_LIBRARY) == null)
            return "ND4J's native jar (nd4j-native, linux-x86_64) is not on the class path";
        return null;
    }

    @Override
    public Backend open(BackendOptions options) {
        return Nd4jBackend.INSTANCE;
    }

    @Override
    public int order() {
        return 0; // the default
    }

    @Override
    public List<BackendBench> benches() {
        return List.of(new SpectrumBench());
    }
}
