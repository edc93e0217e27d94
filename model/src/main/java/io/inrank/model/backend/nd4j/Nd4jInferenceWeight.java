package io.inrank.model.backend.nd4j;

import io.inrank.model.backend.DType;
import io.inrank.model.backend.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A weight laid out for decoding ({@code Backend.inferenceCopy}, the second of {@code inferenceFactors}): the logical
 * [in, out] (or [k, out]) matrix stored transposed, {@code transposed} [out, in], so that every decode product is a
 * row-dot-product over contiguous weight rows — one arithmetic for one row and for a batch ({@link RowProducts}).
 * Only {@code linearForward} and {@code inRankForward} take it.
 */
record Nd4jInferenceWeight(INDArray transposed) implements Tensor {
    @Override
    public long[] shape() {
        return new long[] {transposed.size(1), transposed.size(0)};
    }

    @Override
    public DType dtype() {
        return new Nd4jTensor(transposed).dtype();
    }
}
