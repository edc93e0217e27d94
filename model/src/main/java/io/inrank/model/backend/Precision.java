package io.inrank.model.backend;

import java.util.Locale;

/**
 * How a backend's matrix products multiply. Storage, optimizer state and every non-GEMM op stay in the backend's own
 * type in all three; only the GEMMs change: exact float32 products (fp32), TF32 tensor cores (tf32: 10-bit mantissa
 * products, float32 accumulation) or bf16 tensor-core products with float32 accumulation (bf16). A backend declares
 * which it has ({@link BackendProvider#precisions}); the CPU ones compute fp32 (nd4j) or float64 (reference) only.
 */
public enum Precision {
    FP32,
    TF32,
    BF16;

    /** The name users write: fp32, tf32, bf16 (also its JSON form). */
    @com.fasterxml.jackson.annotation.JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** A label, any case, surrounding blanks ignored; anything else is an error naming the accepted ones. */
    public static Precision parse(String label) {
        if (label != null) {
            for (Precision p : values()) if (p.label().equals(label.trim().toLowerCase(Locale.ROOT))) return p;
        }
        throw new IllegalArgumentException("expected fp32, tf32 or bf16, got '" + label + "'");
    }

    @Override
    public String toString() {
        return label();
    }
}
