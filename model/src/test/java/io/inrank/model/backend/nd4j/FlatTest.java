package io.inrank.model.backend.nd4j;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Kernel element access on views of a larger buffer (parameters are views of one flat buffer). A consistent offset
 * error here would still pass a gradient check — the function and its gradient would both be wrong — so test it alone.
 */
class FlatTest {
    @Test
    void readsAndWritesTheViewNotTheStartOfTheAllocation() {
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray flat = Nd4j.arange(0, 100).castTo(t);
            INDArray view = flat.get(NDArrayIndex.interval(40, 60)).reshape('c', 4, 5);
            INDArray rows = view.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all());
            Flat f = new Flat(view), r = new Flat(rows);
            assertEquals(40.0, f.get(0));
            assertEquals(59.0, f.get(19));
            assertEquals(45.0, r.get(0));
            r.set(1, -1);
            assertEquals(-1.0, flat.getDouble(46));
            f.add(2, 0.5);
            assertEquals(42.5, flat.getDouble(42));
            assertEquals(0.0, flat.getDouble(0));
        }
    }
}
