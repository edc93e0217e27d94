package io.inrank.model.backend.reference;

import io.inrank.model.backend.DropoutKey;
import org.apache.commons.math3.special.Erf;

/** The reference backend's per-layer loops: embedding, layer norm, GELU, cross-entropy, dropout masks. */
final class ReferenceKernels {
    private ReferenceKernels() {}

    // ---- embedding ----
    /** x[i] = wte[tokens[i]] + wpe[positions[i]], rows i < n; x [≥ n, C]. */
    static void embeddingRows(int[] tokens, int[] positions, int n, RefTensor wte, RefTensor wpe, RefTensor x) {
        int c = wte.cols();
        for (int i = 0; i < n; i++) {
            if (tokens[i] < 0 || tokens[i] >= wte.rows())
                throw new IllegalArgumentException("token " + tokens[i] + " outside the vocabulary");
            for (int j = 0; j < c; j++) x.set(i * c + j, wte.at(tokens[i], j) + wpe.at(positions[i], j));
        }
    }

    /** dwte[ids[r]] += dx[r], dwpe[r mod seq] += dx[r]. */
    static void embeddingBackward(RefTensor dx, int[] ids, int seq, RefTensor dwte, RefTensor dwpe) {
        int c = dx.cols();
        for (int r = 0; r < ids.length; r++) {
            for (int j = 0; j < c; j++) {
                dwte.add(ids[r] * c + j, dx.get(r * c + j));
                dwpe.add((r % seq) * c + j, dx.get(r * c + j));
            }
        }
    }

    // ---- layer norm: y = (x − μ)·rstd·γ + β, rstd = 1/√(σ² + eps), σ² the biased variance (as torch) ----
    static void layerNormForward(
            RefTensor x, RefTensor gamma, RefTensor beta, double eps, RefTensor y, RefTensor mean, RefTensor rstd) {
        int n = x.rows(), c = x.cols();
        for (int i = 0; i < n; i++) {
            double mu = 0;
            for (int j = 0; j < c; j++) mu += x.get(i * c + j);
            mu /= c;
            double var = 0;
            for (int j = 0; j < c; j++) var += (x.get(i * c + j) - mu) * (x.get(i * c + j) - mu);
            var /= c;
            double r = 1 / Math.sqrt(var + eps);
            for (int j = 0; j < c; j++) y.set(i * c + j, (x.get(i * c + j) - mu) * r * gamma.get(j) + beta.get(j));
            mean.set(i, mu);
            rstd.set(i, r);
        }
    }

    /** dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ and x̂ the normalised input; dγ += Σ dy·x̂, dβ += Σ dy. */
    static void layerNormBackward(
            RefTensor dy,
            RefTensor x,
            RefTensor gamma,
            RefTensor mean,
            RefTensor rstd,
            RefTensor dx,
            RefTensor dgamma,
            RefTensor dbeta) {
        int n = x.rows(), c = x.cols();
        for (int i = 0; i < n; i++) {
            double mu = mean.get(i), r = rstd.get(i), meanG = 0, meanGX = 0;
            for (int j = 0; j < c; j++) {
                double xh = (x.get(i * c + j) - mu) * r, g = dy.get(i * c + j) * gamma.get(j);
                meanG += g;
                meanGX += g * xh;
            }
            meanG /= c;
            meanGX /= c;
            for (int j = 0; j < c; j++) {
                double xh = (x.get(i * c + j) - mu) * r, g = dy.get(i * c + j) * gamma.get(j);
                dgamma.add(j, dy.get(i * c + j) * xh);
                dbeta.add(j, dy.get(i * c + j));
                dx.set(i * c + j, r * (g - meanG - xh * meanGX));
            }
        }
    }

    // ---- GELU: exact x·Φ(x), or 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) ----
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

    static double gelu(double x, boolean tanh) {
        if (tanh) return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
        return 0.5 * x * (1 + Erf.erf(x / Math.sqrt(2)));
    }

    static double geluDerivative(double x, boolean tanh) {
        if (tanh) {
            double t = Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x));
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
        }
        double cdf = 0.5 * (1 + Erf.erf(x / Math.sqrt(2))), pdf = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
        return cdf + x * pdf;
    }

    static void geluForward(RefTensor x, RefTensor y, boolean tanh) {
        for (int i = 0; i < x.length; i++) y.set(i, gelu(x.get(i), tanh));
    }

    static void geluBackward(RefTensor dy, RefTensor x, RefTensor dx, boolean tanh) {
        for (int i = 0; i < x.length; i++) dx.set(i, dy.get(i) * geluDerivative(x.get(i), tanh));
    }

    // ---- softmax cross-entropy, mean over rows ----
    static double crossEntropyForward(RefTensor logits, int[] targets) {
        int n = logits.rows(), v = logits.cols();
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) max = Math.max(max, logits.get(i * v + j));
            double sum = 0;
            for (int j = 0; j < v; j++) sum += Math.exp(logits.get(i * v + j) - max);
            loss += max + Math.log(sum) - logits.get(i * v + targets[i]);
            for (int j = 0; j < v; j++) logits.set(i * v + j, Math.exp(logits.get(i * v + j) - max) / sum);
        }
        return loss / n;
    }

    /** probabilities → dlogits = (p − onehot(target))·dloss/n */
    static void crossEntropyBackward(RefTensor probs, int[] targets, double dloss) {
        int n = probs.rows(), v = probs.cols();
        double s = dloss / n;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < v; j++) probs.set(i * v + j, probs.get(i * v + j) * s);
            probs.add(i * v + targets[i], -s);
        }
    }

    // ---- dropout ----
    /** Element e's mask value: 0 if dropped, 1/(1 − p) if kept; 1 at p = 0. */
    static double maskValue(DropoutKey key, long e, double p) {
        if (p == 0) return 1.0;
        return key.kept(e, DropoutKey.threshold(p)) ? 1 / (1 - p) : 0.0;
    }
}
