package io.inrank.model;

import io.inrank.model.backend.Tensor;
import io.inrank.model.backend.nd4j.Nd4jBackend;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Tests look inside tensors of the ND4J backend. */
public final class Nd {
    private Nd() {}

    public static INDArray nd(Tensor t) {
        return Nd4jBackend.array(t);
    }
}
