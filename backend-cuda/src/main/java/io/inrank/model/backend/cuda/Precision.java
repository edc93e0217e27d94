package io.inrank.model.backend.cuda;

import java.util.Locale;

/**
 * How the CUDA backend multiplies: storage, optimizer state and every non-GEMM kernel stay float32 in all three; the
 * GEMMs use exact float32 products (fp32), TF32 tensor cores (tf32) or bf16 tensor-core products with float32
 * accumulation (bf16). Chosen with {@code INRANK_PRECISION} (or the system property {@code inrank.precision}); fp32
 * is the default because the conformance and loss checks compare against the float64 reference at float32 tolerances.
 */
enum Precision {
    FP32,
    TF32,
    BF16;
    static final String ENV = "INRANK_PRECISION", PROPERTY = "inrank.precision";

    /** The configured precision; a bad value is an error naming the accepted ones. */
    static Precision configured() {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) v = System.getenv(ENV);
        return v == null || v.isBlank() ? FP32 : parse(v);
    }

    static Precision parse(String v) {
        try {
            return valueOf(v.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("precision '" + v + "': expected fp32, tf32 or bf16");
        }
    }

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
