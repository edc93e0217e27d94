package io.inrank.model.backend.nd4j;

import io.inrank.model.backend.DType;
import io.inrank.model.backend.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The ND4J backend's tensor handle: an {@link INDArray}, visible only inside this package and to tests. */
public record Nd4jTensor(INDArray array) implements Tensor {

    @Override
    public long[] shape() {
        return array.shape();
    }

    @Override
    public DType dtype() {
        return array.dataType() == DataType.DOUBLE ? DType.F64 : DType.F32;
    }

    static DataType of(DType t) {
        return t == DType.F64 ? DataType.DOUBLE : DataType.FLOAT;
    }
}
