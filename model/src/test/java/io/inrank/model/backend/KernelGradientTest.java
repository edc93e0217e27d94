package io.inrank.model.backend;

import static io.inrank.model.backend.TestBackends.gaussian;
import static io.inrank.model.backend.TestBackends.tensor;
import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import java.util.function.DoubleSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kernel's backward against central finite differences of its forward, in float64, through the {@link Backend}
 * interface, on every backend (the reference included). Each kernel is checked through the scalar L = Σ out ⊙ R with
 * a fixed random R, so dL/dout = R is what the backward receives.
 */
class KernelGradientTest {
    static final double EPS = 1e-6, TOL = 1e-6; // the differences' own noise reaches ~3e-7 here
    static final DType F64 = DType.F64;
    final Random rnd = new Random(42);

    static Stream<Backend> backends() {
        return TestBackends.all();
    }

    Tensor rand(Backend be, double scale, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        return tensor(be, F64, gaussian(rnd, (int) n, scale), shape);
    }

    static double dot(Backend be, Tensor a, Tensor b) {
        double[] x = be.toHost(a), y = be.toHost(b);
        double s = 0;
        for (int i = 0; i < x.length; i++) s += x[i] * y[i];
        return s;
    }

    /** Compares dL/dparam with finite differences of loss at up to maxChecks elements; returns the worst relative error. */
    static double check(Backend be, String name, Tensor param, Tensor analytic, DoubleSupplier loss, int maxChecks) {
        double[] p = be.toHost(param), a = be.toHost(analytic);
        int stride = Math.max(1, p.length / maxChecks);
        double worst = 0;
        for (int i = 0; i < p.length; i += stride) {
            double orig = p[i];
            p[i] = orig + EPS;
            be.fromHost(param, p);
            double plus = loss.getAsDouble();
            p[i] = orig - EPS;
            be.fromHost(param, p);
            double minus = loss.getAsDouble();
            p[i] = orig;
            be.fromHost(param, p);
            double numeric = (plus - minus) / (2 * EPS);
            double err = Math.abs(a[i] - numeric) / Math.max(1e-3, Math.abs(a[i]) + Math.abs(numeric));
            worst = Math.max(worst, err);
            if (err > TOL)
                fail(String.format(
                        "%s %s[%d]: analytic %.10g vs numeric %.10g (rel err %.3g)",
                        be.name(), name, i, a[i], numeric, err));
        }
        return worst;
    }

    @ParameterizedTest
    @MethodSource("backends")
    void linear(Backend be) {
        int n = 5, in = 7, out = 4;
        Tensor x = rand(be, 1, n, in),
                w = rand(be, 1, in, out),
                b = rand(be, 1, out),
                r = rand(be, 1, n, out),
                y = be.zeros(F64, n, out);
        DoubleSupplier loss = () -> {
            be.linearForward(x, w, b, y);
            return dot(be, y, r);
        };
        Tensor dx = be.zeros(F64, n, in), dw = be.zeros(F64, in, out), db = be.zeros(F64, out);
        be.linearBackward(r, x, w, dx, dw, db, be.ones(F64, 1, n));
        check(be, "dx", x, dx, loss, 100);
        check(be, "dw", w, dw, loss, 100);
        check(be, "db", b, db, loss, 100);
        be.linearBackward(
                r, x, w, dx, dw, db, be.ones(F64, 1, n)); // gradients accumulate: a second backward doubles them
        be.scale(dw, 0.5);
        check(be, "2·dw / 2", w, dw, loss, 100);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void inRankLinearOnTheFirstKModes(Backend be) {
        int n = 6, in = 8, out = 10, rMax = 4, k = 3;
        Tensor x = rand(be, 1, n, in),
                a = rand(be, 1, rMax, in),
                bt = rand(be, 1, rMax, out),
                b = rand(be, 1, out),
                r = rand(be, 1, n, out);
        Tensor aK = be.rows(a, k), btK = be.rows(bt, k), h = be.zeros(F64, n, k), y = be.zeros(F64, n, out);
        DoubleSupplier loss = () -> {
            be.inRankForward(x, aK, btK, b, h, y);
            return dot(be, y, r);
        };
        loss.getAsDouble();
        Tensor w = be.zeros(F64, in, out), dense = be.zeros(F64, n, out); // the effective dense weight is A_kᵀ·Bt_k
        be.matmul(aK, btK, w, true, false, 1, 0);
        be.linearForward(x, w, b, dense);
        assertTrue(TestBackends.maxAbs(be.toHost(dense), be.toHost(y)) < 1e-13);
        Tensor da = be.zeros(F64, rMax, in),
                dbt = be.zeros(F64, rMax, out),
                db = be.zeros(F64, out),
                dx = be.zeros(F64, n, in),
                dh = be.zeros(F64, n, k);
        be.inRankBackward(r, x, aK, btK, h, dh, dx, be.rows(da, k), be.rows(dbt, k), db, be.ones(F64, 1, n));
        check(be, "dx", x, dx, loss, 100);
        check(be, "dA", a, da, loss, 100); // rows ≥ k: numeric 0 and analytic 0
        check(be, "dBt", bt, dbt, loss, 100);
        check(be, "db", b, db, loss, 100);
        double[] daHost = be.toHost(da);
        for (int i = k * in; i < rMax * in; i++) assertEquals(0.0, daHost[i], "inactive modes get no gradient");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void layerNorm(Backend be) {
        int n = 4, c = 9;
        Tensor x = rand(be, 3, n, c), g = rand(be, 1, c), beta = rand(be, 1, c), r = rand(be, 1, n, c);
        Tensor y = be.zeros(F64, n, c), mean = be.zeros(F64, n), rstd = be.zeros(F64, n);
        DoubleSupplier loss = () -> {
            be.layerNormForward(x, g, beta, 1e-5, y, mean, rstd);
            return dot(be, y, r);
        };
        loss.getAsDouble();
        Tensor dx = be.zeros(F64, n, c), dg = be.zeros(F64, c), db = be.zeros(F64, c);
        be.layerNormBackward(r, x, g, mean, rstd, dx, dg, db);
        check(be, "dx", x, dx, loss, 100);
        check(be, "dgamma", g, dg, loss, 100);
        check(be, "dbeta", beta, db, loss, 100);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void geluExactAndTanh(Backend be) {
        for (boolean tanh : new boolean[] {false, true}) {
            Tensor x = rand(be, 2.5, 3, 11), r = rand(be, 1, 3, 11), y = be.zeros(F64, 3, 11);
            DoubleSupplier loss = () -> {
                be.geluForward(x, y, tanh);
                return dot(be, y, r);
            };
            Tensor dx = be.zeros(F64, 3, 11);
            be.geluBackward(r, x, dx, tanh);
            check(be, tanh ? "gelu_tanh" : "gelu_exact", x, dx, loss, 100);
        }
        // spot values: exact GELU(1) = Φ(1) = 0.8413447460685429…, tanh variant 0.8411919906082768
        Tensor one = be.ones(F64, 1, 1), out = be.zeros(F64, 1, 1);
        be.geluForward(one, out, false);
        assertEquals(0.8413447460685429, be.toHost(out)[0], 1e-15);
        be.geluForward(one, out, true);
        assertEquals(0.8411919906082768, be.toHost(out)[0], 1e-15);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void causalAttentionWithLayerScalingAndDropout(Backend be) {
        int b = 2, t = 5, h = 2, c = 8;
        for (double p : new double[] {0.0, 0.3}) {
            for (int layer : new int[] {0, 2}) {
                double scale = 1 / Math.sqrt(c / h) / (layer + 1);
                DropoutKey key = new DropoutKey(5, 1, 7);
                Tensor qkv = rand(be, 1, b * t, 3 * c),
                        r = rand(be, 1, b * t, c),
                        y = be.zeros(F64, b * t, c),
                        lse = be.zeros(F64, b, h, t);
                DoubleSupplier loss = () -> {
                    be.attentionForward(qkv, y, lse, b, h, scale, p, key);
                    return dot(be, y, r);
                };
                loss.getAsDouble();
                Tensor d = be.zeros(F64, b * t, 3 * c);
                be.attentionBackward(r, qkv, y, lse, d, b, h, scale, p, key);
                check(be, "dqkv(p " + p + ", layer " + layer + ")", qkv, d, loss, 240);
            }
        }
        // causality: the first position's output is its own value vector
        Tensor qkv = rand(be, 1, 3, 3 * c), y = be.zeros(F64, 3, c);
        be.attentionForward(qkv, y, be.zeros(F64, 1, h, 3), 1, h, 0.5, 0, null);
        double[] q = be.toHost(qkv), out = be.toHost(y);
        for (int j = 0; j < c; j++) assertEquals(q[2 * c + j], out[j], 1e-15);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void embeddingScatterAddsRepeatedIds(Backend be) {
        int v = 6, c = 4, seq = 3;
        int[] ids = {1, 4, 1, 1, 0, 5}; // id 1 three times, across two sequences
        Tensor wte = rand(be, 1, v, c),
                wpe = rand(be, 1, seq, c),
                r = rand(be, 1, ids.length, c),
                x = be.zeros(F64, ids.length, c);
        DoubleSupplier loss = () -> {
            be.embeddingForward(ids, seq, wte, wpe, x);
            return dot(be, x, r);
        };
        Tensor dte = be.zeros(F64, v, c), dpe = be.zeros(F64, seq, c);
        be.embeddingBackward(r, ids, seq, dte, dpe);
        check(be, "dwte", wte, dte, loss, 100);
        check(be, "dwpe", wpe, dpe, loss, 100);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void softmaxCrossEntropy(Backend be) {
        int n = 4, v = 7;
        int[] tg = {3, 0, 6, 3};
        Tensor logits = rand(be, 2, n, v), work = be.zeros(F64, n, v);
        DoubleSupplier loss = () -> {
            be.copy(logits, work);
            return be.crossEntropyForward(work, tg);
        };
        double l = loss.getAsDouble();
        double[] z = be.toHost(logits);
        double ref = 0; // against a direct log-sum-exp
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < v; j++) s += Math.exp(z[i * v + j]);
            ref += Math.log(s) - z[i * v + tg[i]];
        }
        assertEquals(ref / n, l, 1e-14);
        be.crossEntropyBackward(work, tg, 1.0);
        Tensor grad = be.zeros(F64, n, v);
        be.copy(work, grad);
        check(be, "dlogits", logits, grad, loss, 100);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void dropoutMultipliesByTheKeysMask(Backend be) {
        int n = 4, c = 50;
        Tensor x = rand(be, 1, n, c), y = be.zeros(F64, n, c), res = rand(be, 1, n, c), out = be.zeros(F64, n, c);
        DropoutKey key = new DropoutKey(3, 8, 1);
        be.dropoutForward(x, y, 0.0, null);
        assertArrayEquals(be.toHost(x), be.toHost(y), "p = 0 copies");
        double p = 0.25, keep = 1 / (1 - p);
        be.dropoutForward(x, y, p, key);
        be.residualDropoutForward(res, x, out, p, key);
        double[] hx = be.toHost(x), hy = be.toHost(y), hr = be.toHost(res), ho = be.toHost(out);
        long threshold = DropoutKey.threshold(p), dropped = 0;
        for (int i = 0; i < hx.length; i++) {
            double m = key.kept(i, threshold) ? keep : 0; // y = x·mask/(1 − p), the mask from the key
            if (m == 0) dropped++;
            assertEquals(hx[i] * m, hy[i], 1e-16, "element " + i);
            assertEquals(hr[i] + hx[i] * m, ho[i], 1e-15, "residual element " + i);
        }
        assertTrue(dropped > 30 && dropped < 70, "about a quarter dropped: " + dropped);
        Tensor r = rand(be, 1, n, c), dx = be.zeros(F64, n, c);
        be.dropoutBackward(r, dx, p, key);
        check(
                be,
                "dx",
                x,
                dx,
                () -> {
                    be.dropoutForward(x, y, p, key);
                    return dot(be, y, r);
                },
                200);
    }
}
