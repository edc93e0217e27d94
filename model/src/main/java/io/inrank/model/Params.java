package io.inrank.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * All parameters of a model in one flat buffer, each tensor a contiguous view of it, and a gradient buffer of the same
 * layout. One buffer means AdamW, clipping and zeroing are single passes, and views never move.
 */
public final class Params {

    /** One named tensor: its views into the value and gradient buffers, and whether weight decay applies. */
    public record Tensor(String name, long[] shape, long offset, long length, boolean decay, INDArray value, INDArray grad) {}

    private final DataType dtype;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final INDArray values;
    private final INDArray grads;

    /** Builder pass: declare every tensor, then {@link #allocate}. */
    public static final class Layout {
        final List<Object[]> specs = new ArrayList<>();
        long total;

        public Layout add(String name, boolean decay, long... shape) {
            long n = 1;
            for (long s : shape) n *= s;
            specs.add(new Object[]{name, shape, total, n, decay});
            total += n;
            return this;
        }
    }

    public Params(Layout layout, DataType dtype) {
        this.dtype = dtype;
        this.values = Nd4j.zeros(dtype, layout.total);
        this.grads = Nd4j.zeros(dtype, layout.total);
        for (Object[] s : layout.specs) {
            String name = (String) s[0];
            long[] shape = (long[]) s[1];
            long off = (long) s[2], n = (long) s[3];
            tensors.put(name, new Tensor(name, shape, off, n, (boolean) s[4], view(values, off, n, shape), view(grads, off, n, shape)));
        }
    }

    static INDArray view(INDArray flat, long off, long n, long[] shape) {
        INDArray v = flat.get(NDArrayIndex.interval(off, off + n));
        return v.reshape('c', shape);
    }

    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException("no parameter '" + name + "'");
        return t;
    }

    public INDArray value(String name) {
        return get(name).value();
    }

    public INDArray grad(String name) {
        return get(name).grad();
    }

    public Map<String, Tensor> all() {
        return Collections.unmodifiableMap(tensors);
    }

    public INDArray values() {
        return values;
    }

    public INDArray grads() {
        return grads;
    }

    public DataType dtype() {
        return dtype;
    }

    public long count() {
        return values.length();
    }

    public void zeroGrad() {
        grads.assign(0);
    }
}
