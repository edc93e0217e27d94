package io.inrank.model.backend;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Runs an operation on a backend under test and on the reference with the same inputs and compares every output,
 * relative to the reference's largest magnitude; keeps the worst error per (op, dtype, backend) for the table that
 * {@link #table} prints (the conformance suite's report).
 */
final class Conformance {
    private Conformance() {}

    /** op | dtype | backend → {max abs error, max rel error, tolerance} */
    private static final Map<String, double[]> WORST = new TreeMap<>();

    /**
     * @param run builds the inputs on the given backend (from host arrays made once), runs the op, returns its outputs
     * @param tol the largest relative error accepted
     */
    static void check(String op, Backend subject, DType t, double tol, Function<Backend, Tensor[]> run) {
        Backend ref = TestBackends.reference();
        Tensor[] want = run.apply(ref), got = run.apply(subject);
        for (int i = 0; i < want.length; i++) {
            double[] w = ref.toHost(want[i]), g = subject.toHost(got[i]);
            double abs = TestBackends.maxAbs(g, w), rel = TestBackends.maxRel(g, w);
            record(op, subject, t, abs, rel, tol);
            assertTrue(
                    rel <= tol,
                    String.format(
                            "%s %s on %s, output %d: rel err %.3g > %.1g (abs %.3g)",
                            op, t, subject.name(), i, rel, tol, abs));
        }
    }

    /** A scalar result (loss, norm). */
    static void checkScalar(String op, Backend subject, DType t, double tol, double got, double want) {
        double abs = Math.abs(got - want), rel = abs == 0 ? 0 : abs / Math.max(Math.abs(want), 1e-300);
        record(op, subject, t, abs, rel, tol);
        assertTrue(
                rel <= tol,
                String.format(
                        "%s %s on %s: %.17g vs reference %.17g (rel %.3g > %.1g)",
                        op, t, subject.name(), got, want, rel, tol));
    }

    static synchronized void record(String op, Backend subject, DType t, double abs, double rel, double tol) {
        WORST.merge(op + " | " + t + " | " + subject.name(), new double[] {abs, rel, tol}, (a, b) ->
                new double[] {Math.max(a[0], b[0]), Math.max(a[1], b[1]), b[2]});
    }

    /** The per-op table: op, dtype, backend, max abs and rel error against the reference, the tolerance. */
    static synchronized String table() {
        StringBuilder sb = new StringBuilder(
                "| op | dtype | backend | max abs err | max rel err | tolerance |\n|---|---|---|---|---|---|\n");
        for (Map.Entry<String, double[]> e : WORST.entrySet()) {
            String[] k = e.getKey().split(" \\| ");
            double[] v = e.getValue();
            sb.append(String.format("| %s | %s | %s | %.1e | %.1e | %.0e |%n", k[0], k[1], k[2], v[0], v[1], v[2]));
        }
        return sb.toString();
    }
}
