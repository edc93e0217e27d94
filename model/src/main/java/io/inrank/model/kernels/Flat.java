package io.inrank.model.kernels;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Element access to a contiguous row-major array (a whole buffer or a prefix view of one), for the kernels written as
 * plain loops. Works for FLOAT (training) and DOUBLE (gradient checks) alike.
 */
final class Flat {
    final DataBuffer data;
    final long offset;

    Flat(INDArray a) {
        if (a.ordering() != 'c' || (a.length() > 1 && a.elementWiseStride() != 1)) {
            throw new IllegalArgumentException("kernel arrays must be contiguous row-major, got " + a.shapeInfoToString());
        }
        // a view's data() is already a buffer starting at the view's first element
        this.data = a.data();
        this.offset = 0;
    }

    double get(long i) {
        return data.getDouble(offset + i);
    }

    void set(long i, double v) {
        data.put(offset + i, v);
    }

    void add(long i, double v) {
        data.put(offset + i, data.getDouble(offset + i) + v);
    }
}
