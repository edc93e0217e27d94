package io.inrank.model.backend.nd4j;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static io.inrank.model.backend.nd4j.GradCheck.*;
import static org.junit.jupiter.api.Assertions.*;

/** The GEMM attention equals the loop reference, forward and backward, and passes its own gradient check. */
class AttentionGemmTest {

    @Test
    void equalsTheReferenceAndItsGradients() {
        Random rnd = new Random(8);
        int b = 2, t = 7, h = 3, c = 12;
        double scale = Attention.scale(c / h, 1, true);
        AttentionGemm.Workspace ws = new AttentionGemm.Workspace(DataType.DOUBLE, b, h, t, c / h);
        INDArray qkv = rand(rnd, b * t, 3 * c), dy = rand(rnd, b * t, c);
        INDArray y1 = Nd4j.create(DataType.DOUBLE, b * t, c), p1 = Nd4j.create(DataType.DOUBLE, b, h, t, t);
        INDArray y2 = Nd4j.create(DataType.DOUBLE, b * t, c), p2 = Nd4j.create(DataType.DOUBLE, b, h, t, t);
        Attention.forward(qkv, y1, p1, b, t, h, scale);
        AttentionGemm.forward(qkv, y2, p2, ws, scale);
        assertTrue(y1.equalsWithEps(y2, 1e-13), "forward");
        assertTrue(p1.equalsWithEps(p2, 1e-13), "probabilities");
        INDArray d1 = Nd4j.create(DataType.DOUBLE, b * t, 3 * c), d2 = Nd4j.create(DataType.DOUBLE, b * t, 3 * c);
        Attention.backward(dy, qkv, p1, d1, b, t, h, scale);
        AttentionGemm.backward(dy, qkv, p2, d2, ws, scale);
        assertTrue(d1.equalsWithEps(d2, 1e-12), "backward");
        check("dqkv(gemm)", qkv, d2, () -> {
            AttentionGemm.forward(qkv, y2, p2, ws, scale);
            return dot(y2, dy);
        }, 1e-6, 300);
    }

    @Test
    void attentionDropoutMatchesBetweenKernelsAndPassesTheGradientCheck() {
        Random rnd = new Random(9);
        int b = 2, t = 6, h = 2, c = 8;
        double scale = Attention.scale(c / h, 0, true), p = 0.3;
        long seed = 77;
        AttentionGemm.Workspace ws = new AttentionGemm.Workspace(DataType.DOUBLE, b, h, t, c / h);
        INDArray qkv = rand(rnd, b * t, 3 * c), dy = rand(rnd, b * t, c);
        INDArray y1 = Nd4j.create(DataType.DOUBLE, b * t, c), p1 = Nd4j.create(DataType.DOUBLE, b, h, t, t);
        INDArray y2 = Nd4j.create(DataType.DOUBLE, b * t, c), p2 = Nd4j.create(DataType.DOUBLE, b, h, t, t);
        INDArray y0 = Nd4j.create(DataType.DOUBLE, b * t, c), p0 = Nd4j.create(DataType.DOUBLE, b, h, t, t);
        Attention.forward(qkv, y1, p1, b, t, h, scale, p, seed);
        AttentionGemm.forward(qkv, y2, p2, ws, scale, p, seed);
        Attention.forward(qkv, y0, p0, b, t, h, scale);
        assertTrue(y1.equalsWithEps(y2, 1e-13), "same masks in both kernels");
        assertFalse(y1.equalsWithEps(y0, 1e-6), "dropout changes the output");
        assertTrue(p1.equalsWithEps(p0, 1e-15), "saved probabilities are the undropped ones");
        INDArray d1 = Nd4j.create(DataType.DOUBLE, b * t, 3 * c), d2 = Nd4j.create(DataType.DOUBLE, b * t, 3 * c);
        Attention.backward(dy, qkv, p1, d1, b, t, h, scale, p, seed);
        AttentionGemm.backward(dy, qkv, p2, d2, ws, scale, p, seed);
        assertTrue(d1.equalsWithEps(d2, 1e-12), "backward");
        // with a fixed seed the masked map is a deterministic function of qkv: finite differences apply
        check("dqkv(dropout)", qkv, d1, () -> {
            Attention.forward(qkv, y1, p1, b, t, h, scale, p, seed);
            return dot(y1, dy);
        }, 1e-6, 300);
    }
}
