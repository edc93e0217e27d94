package io.inrank.model.backend.nd4j;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Random;
import java.util.SplittableRandom;

import static io.inrank.model.backend.nd4j.GradCheck.*;
import static org.junit.jupiter.api.Assertions.*;

/** Every kernel's backward against central finite differences of its forward, in double precision. */
class KernelGradientTest {

    static final double TOL = 1e-6;
    final Random rnd = new Random(42);

    @Test
    void linear() {
        int n = 5, in = 7, out = 4;
        INDArray x = rand(rnd, n, in), w = rand(rnd, in, out), b = rand(rnd, out), r = rand(rnd, n, out);
        INDArray y = Nd4j.create(DataType.DOUBLE, n, out);
        java.util.function.DoubleSupplier loss = () -> {
            Linear.forward(x, w, b, y);
            return dot(y, r);
        };
        INDArray dx = Nd4j.create(DataType.DOUBLE, n, in), dw = Nd4j.zeros(DataType.DOUBLE, in, out), db = Nd4j.zeros(DataType.DOUBLE, out);
        Linear.backward(r, x, w, dx, dw, db, Nd4j.ones(DataType.DOUBLE, 1, n));
        check("dx", x, dx, loss, TOL, 100);
        check("dw", w, dw, loss, TOL, 100);
        check("db", b, db, loss, TOL, 100);
        // gradients accumulate: a second backward doubles dw and db
        Linear.backward(r, x, w, dx, dw, db, Nd4j.ones(DataType.DOUBLE, 1, n));
        check("2·dw", w, dw.div(2), loss, TOL, 100);
    }

    @Test
    void inRankLinearOnTheFirstKModes() {
        int n = 6, in = 8, out = 10, rmax = 4, k = 3;
        INDArray x = rand(rnd, n, in), a = rand(rnd, rmax, in), bt = rand(rnd, rmax, out), b = rand(rnd, out), r = rand(rnd, n, out);
        INDArray aK = a.get(NDArrayIndex.interval(0, k), NDArrayIndex.all());
        INDArray btK = bt.get(NDArrayIndex.interval(0, k), NDArrayIndex.all());
        INDArray h = Nd4j.create(DataType.DOUBLE, n, k), y = Nd4j.create(DataType.DOUBLE, n, out);
        java.util.function.DoubleSupplier loss = () -> {
            InRankLinear.forward(x, aK, btK, b, h, y);
            return dot(y, r);
        };
        loss.getAsDouble();
        // the effective dense weight is A_kᵀ·Bt_k
        INDArray dense = Nd4j.create(DataType.DOUBLE, n, out);
        Linear.forward(x, aK.transpose().mmul(btK), b, dense);
        assertTrue(dense.equalsWithEps(y, 1e-12));

        INDArray da = Nd4j.zeros(DataType.DOUBLE, rmax, in), dbt = Nd4j.zeros(DataType.DOUBLE, rmax, out), db = Nd4j.zeros(DataType.DOUBLE, out);
        INDArray dx = Nd4j.create(DataType.DOUBLE, n, in), dh = Nd4j.create(DataType.DOUBLE, n, k);
        InRankLinear.backward(r, x, aK, btK, h, dh, dx, da.get(NDArrayIndex.interval(0, k), NDArrayIndex.all()),
                dbt.get(NDArrayIndex.interval(0, k), NDArrayIndex.all()), db, Nd4j.ones(DataType.DOUBLE, 1, n));
        check("dx", x, dx, loss, TOL, 100);
        check("dA", a, da, loss, TOL, 100);   // rows ≥ k: numeric 0 and analytic 0
        check("dBt", bt, dbt, loss, TOL, 100);
        check("db", b, db, loss, TOL, 100);
        assertEquals(0.0, da.getRow(k).norm2Number().doubleValue(), "inactive modes get no gradient");
    }

    @Test
    void layerNorm() {
        int n = 4, c = 9;
        INDArray x = rand(rnd, n, c).muli(3).addi(1), g = rand(rnd, c), be = rand(rnd, c), r = rand(rnd, n, c);
        INDArray y = Nd4j.create(DataType.DOUBLE, n, c), mean = Nd4j.create(DataType.DOUBLE, n), rstd = Nd4j.create(DataType.DOUBLE, n);
        java.util.function.DoubleSupplier loss = () -> {
            LayerNorm.forward(x, g, be, 1e-5, y, mean, rstd);
            return dot(y, r);
        };
        loss.getAsDouble();
        INDArray dx = Nd4j.create(DataType.DOUBLE, n, c), dg = Nd4j.zeros(DataType.DOUBLE, c), db = Nd4j.zeros(DataType.DOUBLE, c);
        LayerNorm.backward(r, x, g, mean, rstd, dx, dg, db);
        check("dx", x, dx, loss, TOL, 100);
        check("dgamma", g, dg, loss, TOL, 100);
        check("dbeta", be, db, loss, TOL, 100);
    }

    @Test
    void geluExactAndTanh() {
        for (boolean tanh : new boolean[]{false, true}) {
            INDArray x = rand(rnd, 3, 11).muli(2.5), r = rand(rnd, 3, 11), y = Nd4j.create(DataType.DOUBLE, 3, 11);
            java.util.function.DoubleSupplier loss = () -> {
                Gelu.forward(x, y, tanh);
                return dot(y, r);
            };
            INDArray dx = Nd4j.create(DataType.DOUBLE, 3, 11);
            Gelu.backward(r, x, dx, tanh);
            check(tanh ? "gelu_tanh" : "gelu_exact", x, dx, loss, TOL, 100);
        }
        // spot values: exact GELU(1) = Φ(1) = 0.8413447460685429…, tanh variant 0.8411919906082768
        INDArray one = Nd4j.ones(DataType.DOUBLE, 1, 1), out = Nd4j.create(DataType.DOUBLE, 1, 1);
        Gelu.forward(one, out, false);
        assertEquals(0.8413447460685429, out.getDouble(0), 1e-15);
        Gelu.forward(one, out, true);
        assertEquals(0.8411919906082768, out.getDouble(0), 1e-15);
    }

    @Test
    void causalAttentionWithAndWithoutLayerScaling() {
        int b = 2, t = 5, h = 2, c = 8;
        for (int layer : new int[]{0, 2}) {
            double scale = Attention.scale(c / h, layer, true);
            INDArray qkv = rand(rnd, b * t, 3 * c), r = rand(rnd, b * t, c);
            INDArray y = Nd4j.create(DataType.DOUBLE, b * t, c), p = Nd4j.create(DataType.DOUBLE, b, h, t, t);
            java.util.function.DoubleSupplier loss = () -> {
                Attention.forward(qkv, y, p, b, t, h, scale);
                return dot(y, r);
            };
            loss.getAsDouble();
            INDArray d = Nd4j.create(DataType.DOUBLE, b * t, 3 * c);
            Attention.backward(r, qkv, p, d, b, t, h, scale);
            check("dqkv(layer " + layer + ")", qkv, d, loss, TOL, 240);
            // causality: the first position's output depends only on its own value vector
            assertEquals(1.0, p.getDouble(0, 0, 0, 0), 1e-15);
        }
    }

    @Test
    void embeddingScatterAddsRepeatedIds() {
        int v = 6, c = 4, seq = 3;
        int[] ids = {1, 4, 1, 1, 0, 5};   // id 1 three times, across two sequences
        INDArray wte = rand(rnd, v, c), wpe = rand(rnd, seq, c), r = rand(rnd, ids.length, c), x = Nd4j.create(DataType.DOUBLE, ids.length, c);
        java.util.function.DoubleSupplier loss = () -> {
            Embedding.forward(ids, seq, wte, wpe, x);
            return dot(x, r);
        };
        INDArray dte = Nd4j.zeros(DataType.DOUBLE, v, c), dpe = Nd4j.zeros(DataType.DOUBLE, seq, c);
        Embedding.backward(r, ids, seq, dte, dpe);
        check("dwte", wte, dte, loss, TOL, 100);
        check("dwpe", wpe, dpe, loss, TOL, 100);
    }

    @Test
    void softmaxCrossEntropy() {
        int n = 4, v = 7;
        int[] tg = {3, 0, 6, 3};
        INDArray logits = rand(rnd, n, v).muli(2), work = Nd4j.create(DataType.DOUBLE, n, v);
        java.util.function.DoubleSupplier loss = () -> {
            work.assign(logits);
            return CrossEntropy.forward(work, tg);
        };
        double l = loss.getAsDouble();
        // against a direct log-sum-exp
        double ref = 0;
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < v; j++) s += Math.exp(logits.getDouble(i, j));
            ref += Math.log(s) - logits.getDouble(i, tg[i]);
        }
        assertEquals(ref / n, l, 1e-12);
        CrossEntropy.backward(work, tg, 1.0);
        check("dlogits", logits, work.dup(), loss, TOL, 100);
    }

    @Test
    void dropoutIsLinearInItsMaskAndIdentityAtZero() {
        INDArray x = rand(rnd, 4, 50), mask = Nd4j.create(DataType.DOUBLE, 4, 50), y = Nd4j.create(DataType.DOUBLE, 4, 50);
        Dropout.forward(x, mask, y, 0.0, new SplittableRandom(1));
        assertEquals(x, y);
        Dropout.forward(x, mask, y, 0.25, new SplittableRandom(1));
        long zeros = 0;
        for (long i = 0; i < mask.length(); i++) {
            double m = mask.getDouble(i);
            assertTrue(m == 0.0 || Math.abs(m - 1 / 0.75) < 1e-15);
            if (m == 0) zeros++;
        }
        assertTrue(zeros > 20 && zeros < 80, "about a quarter dropped: " + zeros);
        INDArray r = rand(rnd, 4, 50), dx = Nd4j.create(DataType.DOUBLE, 4, 50);
        Dropout.backward(r, mask, dx);
        check("dx", x, dx, () -> {
            // the mask is fixed: y = x·m
            return dot(x.mul(mask), r);
        }, TOL, 200);
    }
}
