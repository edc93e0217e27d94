package io.inrank.model.backend.cuda;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The argument block of one kernel launch, written into native memory made once (cuLaunchKernel takes an array of
 * pointers to the argument values): {@value #MAX} slots of {@value #SLOT} bytes, each big enough for the largest
 * struct passed by value ({@code AttnShape}). Struct layouts are the C ones on x86-64 and the device, which agree;
 * {@link #ATTN_SHAPE} and {@link #ADAM_PARAMS} give the offsets (checked against the compiler by a test).
 */
final class KernelArgs {
    static final int SLOT = 64, MAX = 16;

    /**
     * Byte offsets of AttnShape's fields: B, T, H, C, scale, seed, step, tensor, block0, threshold, keep_scale; then its
     * size.
     */
    static final int[] ATTN_SHAPE = {0, 4, 8, 12, 16, 24, 32, 40, 44, 48, 56, 64};

    /** AdamParams: nine floats (lr, beta1, beta2, 1 − beta1, 1 − beta2, bc1, bc2, eps, grad_scale); then its size. */
    static final int[] ADAM_PARAMS = {0, 4, 8, 12, 16, 20, 24, 28, 32, 36};

    private final BytePointer bytes = new BytePointer((long) SLOT * MAX);
    private final PointerPointer<Pointer> params = new PointerPointer<>(MAX);
    private int n;

    KernelArgs() {
        for (int i = 0; i < MAX; i++) params.put(i, new RawPointer(bytes.address() + (long) i * SLOT));
    }

    /** Starts a new argument list. */
    KernelArgs reset() {
        n = 0;
        return this;
    }

    private long next() {
        if (n == MAX) throw new IllegalStateException("more than " + MAX + " kernel arguments");
        return (long) SLOT * n++;
    }

    /** A device address (any T*). */
    KernelArgs ptr(long address) {
        bytes.putLong(next(), address);
        return this;
    }

    KernelArgs i32(int v) {
        bytes.putInt(next(), v);
        return this;
    }

    KernelArgs i64(long v) {
        bytes.putLong(next(), v);
        return this;
    }

    KernelArgs f32(float v) {
        bytes.putFloat(next(), v);
        return this;
    }

    /** struct AttnShape, by value. */
    KernelArgs attnShape(
            int b,
            int t,
            int h,
            int c,
            float scale,
            long seed,
            long step,
            int tensor,
            int block0,
            long threshold,
            float keep) {
        long at = next();
        int[] o = ATTN_SHAPE;
        bytes.putInt(at + o[0], b).putInt(at + o[1], t).putInt(at + o[2], h).putInt(at + o[3], c);
        bytes.putFloat(at + o[4], scale).putLong(at + o[5], seed).putLong(at + o[6], step);
        bytes.putInt(at + o[7], tensor).putInt(at + o[8], block0).putLong(at + o[9], threshold);
        bytes.putFloat(at + o[10], keep).putInt(at + o[10] + 4, 0);
        return this;
    }

    /** struct AdamParams, by value (fields in {@link #ADAM_PARAMS} order). */
    KernelArgs adamParams(float... fields) {
        if (fields.length != ADAM_PARAMS.length - 1) throw new IllegalArgumentException("AdamParams has 9 fields");
        long at = next();
        for (int i = 0; i < fields.length; i++) bytes.putFloat(at + ADAM_PARAMS[i], fields[i]);
        return this;
    }

    PointerPointer<Pointer> params() {
        return params;
    }

    int count() {
        return n;
    }
}
