package io.inrank.model.backend.nd4j;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * Element access to a contiguous row-major array (a whole buffer or a prefix view of one) for the kernels written as
 * plain loops: an NIO view of the native memory, so a loop costs what a Java array loop costs. FLOAT (training) and
 * DOUBLE (gradient checks) share the code; the branch on the type is constant per kernel call.
 */
final class Flat {
    private final FloatBuffer f;
    private final DoubleBuffer d;
    private final int base;

    Flat(INDArray a) {
        if (a.ordering() != 'c' || (a.length() > 1 && a.elementWiseStride() != 1)) {
            throw new IllegalArgumentException("kernel arrays must be contiguous row-major, got " + a.shapeInfoToString());
        }
        // asNio() spans the whole allocation; a view starts data().offset() elements into it
        var bytes = a.data().asNio().order(ByteOrder.nativeOrder());
        base = Math.toIntExact(a.data().offset());
        if (a.dataType() == DataType.FLOAT) {
            f = bytes.asFloatBuffer();
            d = null;
        } else if (a.dataType() == DataType.DOUBLE) {
            f = null;
            d = bytes.asDoubleBuffer();
        } else {
            throw new IllegalArgumentException("kernels take FLOAT or DOUBLE arrays, got " + a.dataType());
        }
    }

    double get(long i) {
        int k = base + (int) i;
        return f != null ? f.get(k) : d.get(k);
    }

    void set(long i, double v) {
        int k = base + (int) i;
        if (f != null) f.put(k, (float) v);
        else d.put(k, v);
    }

    void add(long i, double v) {
        int k = base + (int) i;
        if (f != null) f.put(k, (float) (f.get(k) + v));
        else d.put(k, d.get(k) + v);
    }

    boolean isFloat() {
        return f != null;
    }
}
