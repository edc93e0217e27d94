package io.inrank.model.backend.reference;

import io.inrank.model.backend.DType;
import io.inrank.model.backend.Tensor;
import java.util.Arrays;

/**
 * The reference backend's tensor: a window of a Java double array (views share the array). Every value is held as a
 * double; a float32 tensor rounds each value it stores to float, so it holds exactly what a float32 array would, while
 * every computation runs in float64.
 */
final class RefTensor implements Tensor {
    final double[] data;
    final int offset;
    final int length;
    private final long[] shape;
    private final DType dtype;

    RefTensor(double[] data, int offset, long[] shape, DType dtype) {
        long n = 1;
        for (long s : shape) n *= s;
        if (offset < 0 || offset + n > data.length)
            throw new IllegalArgumentException("view [" + offset + ", +" + n + ") outside " + data.length);
        this.data = data;
        this.offset = offset;
        this.length = (int) n;
        this.shape = shape.clone();
        this.dtype = dtype;
    }

    static RefTensor of(Tensor t) {
        if (t instanceof RefTensor r) return r;
        throw new IllegalArgumentException("not a reference-backend tensor: "
                + (t == null ? "null" : t.getClass().getName()));
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    /** Element i in row-major order. */
    double get(int i) {
        return data[offset + i];
    }

    /** Stores v, rounded to float for a float32 tensor. */
    void set(int i, double v) {
        data[offset + i] = dtype == DType.F32 ? (float) v : v;
    }

    void add(int i, double v) {
        set(i, get(i) + v);
    }

    /** Rows of a matrix (the first dimension). */
    int rows() {
        return (int) shape[0];
    }

    /** Columns: every element after the first dimension. */
    int cols() {
        return shape.length == 0 || shape[0] == 0 ? 0 : length / (int) shape[0];
    }

    /** Element (i, j) of a [rows, cols] matrix. */
    double at(int i, int j) {
        return data[offset + i * cols() + j];
    }

    @Override
    public String toString() {
        return "RefTensor" + Arrays.toString(shape) + " " + dtype;
    }
}
