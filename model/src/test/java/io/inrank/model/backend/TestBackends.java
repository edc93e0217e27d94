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

    /** Names the subjects explicitly (comma-separated), e.g. {@code cuda} on a GPU host that has no ND4J jars. */
    public static final String SUBJECTS_ENV = "INRANK_CONFORMANCE_BACKENDS";

    /**
     * The backends checked against the reference: nd4j always, and every other known backend that is available here
     * (a CUDA build on a GPU machine). Unavailable ones are reported, not silently dropped. With
     * {@value #SUBJECTS_ENV} set, exactly the backends it names (each must open).
     */
    public static List<Backend> subjects() {
        List<Backend> out = new ArrayList<>();
        String named = System.getenv(SUBJECTS_ENV);
        if (named != null && !named.isBlank()) {
            for (String n : named.split(",")) if (!n.isBlank()) out.add(Backends.open(n.trim()));
            return out;
        }
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

    /** Every subject with each dtype it holds (a GPU backend: float32 only). */
    public static Stream<Object[]> subjectsAndTypes() {
        List<Object[]> out = new ArrayList<>();
        for (Backend b : subjects()) for (DType t : DType.values()) if (b.supports(t)) out.add(new Object[] {b, t});
        return out.stream();
    }

    /**
     * The backends the model-level gradient and parity tests run on: the reference and every subject that holds
     * float64 (those tests check gradients by finite differences in float64; float32-only backends are covered by
     * the conformance suites).
     */
    public static Stream<Backend> all() {
        List<Backend> out = new ArrayList<>();
        for (Backend b : subjects()) if (b.supports(DType.F64)) out.add(b);
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
