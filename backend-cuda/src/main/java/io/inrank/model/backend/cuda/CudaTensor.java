package io.inrank.model.backend.cuda;

import io.inrank.model.backend.DType;
import io.inrank.model.backend.Tensor;
import java.util.Arrays;

/**
 * A float32 array in device memory: a range of the backend's arena ({@link Block}) and an element offset into it.
 * Views share their parent's block, so the range is freed only when no tensor that uses it is left.
 */
final class CudaTensor implements Tensor {
    /** One arena range; its cleaner (registered by the backend) frees it when no tensor references it any more. */
    static final class Block {
        final long offset;
        final long bytes;

        Block(long offset, long bytes) {
            this.offset = offset;
            this.bytes = bytes;
        }
    }

    final Block block;
    /** Device address of element 0. */
    final long address;

    private final long[] shape;

    CudaTensor(Block block, long address, long[] shape) {
        this.block = block;
        this.address = address;
        this.shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public DType dtype() {
        return DType.F32;
    }

    int rows() {
        return (int) shape[0];
    }

    /** Columns of a matrix; 1 for a vector. */
    int cols() {
        return shape.length < 2 ? 1 : (int) (length() / shape[0]);
    }

    /** The address of element i (float32). */
    long at(long i) {
        return address + 4 * i;
    }

    @Override
    public String toString() {
        return "cuda F32 " + Arrays.toString(shape);
    }
}
