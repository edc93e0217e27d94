package io.inrank.model.backend;

/** Element type of a tensor: float32 trains, float64 checks gradients and parity. */
public enum DType {
    F32,
    F64
}
