package io.inrank.model.backend;

/**
 * A handle to a dense row-major array owned by a {@link Backend} (host or device memory). The model holds only
 * handles; every read, write and kernel goes through the backend that made the handle.
 */
public interface Tensor {
    long[] shape();

    DType dtype();

    default long length() {
        long n = 1;
        for (long s : shape()) n *= s;
        return n;
    }

    default long size(int dim) {
        return shape()[dim];
    }
}
