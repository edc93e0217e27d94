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

    /** The same address typed as float* (cuSOLVER's signatures ask for typed pointers). */
    static FloatPointer floats(long address) {
        return new FloatPointer() {
            {
                this.address = address;
            }
        };
    }

    static DoublePointer doubles(long address) {
        return new DoublePointer() {
            {
                this.address = address;
            }
        };
    }

    static IntPointer ints(long address) {
        return new IntPointer() {
            {
                this.address = address;
            }
        };
    }
}
