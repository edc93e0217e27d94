package io.inrank.model;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.Tensor;
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
    public record Entry(
            String name, long[] shape, long offset, long length, boolean decay, Tensor value, Tensor grad) {}

    private final Backend be;
    private final DType dtype;
    private final Map<String, Entry> tensors = new LinkedHashMap<>();
    private final Tensor values;
    private final Tensor grads;

    /** Builder pass: declare every tensor, then construct {@link Params}. */
    public static final class Layout {
        final List<Object[]> specs = new ArrayList<>();
        long total;

        public Layout add(String name, boolean decay, long... shape) {
            long n = 1;
            for (long s : shape) n *= s;
            specs.add(new Object[] {name, shape, total, n, decay});
            total += n;
            return this;
        }
    }

    public Params(Backend be, Layout layout, DType dtype) {
        this.be = be;
        this.dtype = dtype;
        this.values = be.zeros(dtype, layout.total);
        this.grads = be.zeros(dtype, layout.total);
        for (Object[] s : layout.specs) {
            String name = (String) s[0];
            long[] shape = (long[]) s[1];
            long off = (long) s[2], n = (long) s[3];
            tensors.put(
                    name,
                    new Entry(
                            name,
                            shape,
                            off,
                            n,
                            (boolean) s[4],
                            be.view(values, off, shape),
                            be.view(grads, off, shape)));
        }
    }

    public Entry get(String name) {
        Entry t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException("no parameter '" + name + "'");
        return t;
    }

    public Tensor value(String name) {
        return get(name).value();
    }

    public Tensor grad(String name) {
        return get(name).grad();
    }

    public Map<String, Entry> all() {
        return Collections.unmodifiableMap(tensors);
    }

    public Tensor values() {
        return values;
    }

    public Tensor grads() {
        return grads;
    }

    public DType dtype() {
        return dtype;
    }

    public Backend backend() {
        return be;
    }

    public long count() {
        return values.length();
    }

    public void zeroGrad() {
        be.fill(grads, 0);
    }
}
