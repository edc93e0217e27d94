package io.inrank.model.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** Backends for tests, and host-side helpers to fill and compare their tensors. */
public final class TestBackends {
    private TestBackends() {}

    public static Backend nd4j() {
        return Backends.open("nd4j");
    }

    public static Backend reference() {
        return Backends.open("reference");
    }

    /**
     * The backends checked against the reference: nd4j always, and every other known backend that is available here
     * (a CUDA build on a GPU machine). Unavailable ones are reported, not silently dropped.
     */
    public static List<Backend> subjects() {
        List<Backend> out = new ArrayList<>();
        for (Backends.Status s : Backends.list()) {
            if (s.name().equals("reference")) continue;
            if (!s.available()) {
                if (!s.name().equals("nd4j")) System.out.println("conformance: skipping " + s);
                else throw new IllegalStateException("the nd4j backend must be available to the tests: " + s);
                continue;
            }
            out.add(Backends.open(s.name()));
        }
        return out;
    }

    /** Every subject with both dtypes. */
    public static Stream<Object[]> subjectsAndTypes() {
        List<Object[]> out = new ArrayList<>();
        for (Backend b : subjects()) for (DType t : DType.values()) out.add(new Object[] {b, t});
        return out.stream();
    }

    /** Both backends the model tests run on: the reference and every subject. */
    public static Stream<Backend> all() {
        List<Backend> out = new ArrayList<>(subjects());
        out.add(0, reference());
        return out.stream();
    }

    public static double[] gaussian(Random r, int n, double scale) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = r.nextGaussian() * scale;
        return x;
    }

    /** A tensor of be with the given values (rounded to the dtype). */
    public static Tensor tensor(Backend be, DType t, double[] values, long... shape) {
        Tensor x = be.zeros(t, shape);
        be.fromHost(x, values);
        return x;
    }

    /** max |a − b| */
    public static double maxAbs(double[] a, double[] b) {
        if (a.length != b.length) throw new AssertionError("lengths " + a.length + " and " + b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    /** max |a − b| / max |b| (b the reference); 0 when both are 0. */
    public static double maxRel(double[] a, double[] b) {
        double ref = 0;
        for (double v : b) ref = Math.max(ref, Math.abs(v));
        double d = maxAbs(a, b);
        return d == 0 ? 0 : d / Math.max(ref, 1e-300);
    }
}
