package io.inrank.model.backend.cuda;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * JavaCPP pointers made from raw addresses: device addresses inside the arena (which JavaCPP never dereferences, only
 * passes to CUDA) and slots of the launch-argument buffer. They own nothing and free nothing.
 */
final class RawPointer extends Pointer {
    RawPointer(long address) {
        this.address = address;
    }

    /** Points this object somewhere else (reused per call on hot paths instead of a new object each time). */
    RawPointer at(long address) {
        this.address = address;
        return this;
    }

    /**
     * The same address typed as float* (cuSOLVER's signatures ask for typed pointers), through JavaCPP's copy
     * constructor. (An anonymous subclass whose initializer did {@code this.address = address} assigned the inherited
     * field to itself, the field shadowing the parameter: every cuSOLVER call got null. The emulated device caught it.)
     */
    static FloatPointer floats(long address) {
        return new FloatPointer(new RawPointer(address));
    }

    static DoublePointer doubles(long address) {
        return new DoublePointer(new RawPointer(address));
    }

    static IntPointer ints(long address) {
        return new IntPointer(new RawPointer(address));
    }
}
