package io.inrank.model.backend.nd4j;

import java.lang.reflect.Field;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Element access to a contiguous row-major array (a whole buffer or a prefix view of one) for the kernels written as
 * plain loops. FLOAT (training) and DOUBLE (gradient checks) share the code; the branch on the type is constant per
 * kernel call.
 *
 * <p>Reads and writes go straight to the native memory through {@code Unsafe} (bounds-checked with
 * {@link Objects#checkIndex}, which the JIT hoists out of loops). Why not a {@code FloatBuffer} view: its get/put are
 * virtual calls the JIT devirtualises only while a single FloatBuffer class is loaded; the first little-endian heap
 * buffer anywhere in the process (a checkpoint write, a library) invalidates that, and every kernel then stays slower
 * for the rest of the process (model/BENCHMARKS.md).
 */
final class Flat {
    private static final sun.misc.Unsafe U;
    private static final long ADDRESS;

    static {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            U = (sun.misc.Unsafe) f.get(null);
            ADDRESS = U.objectFieldOffset(Buffer.class.getDeclaredField("address"));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN)
            throw new ExceptionInInitializerError("little-endian hosts only");
    }

    private final org.nd4j.linalg.api.buffer.DataBuffer keep; // holds the memory while this view is used
    private final long address; // of element 0 of this array
    private final int length;
    private final boolean isFloat;

    Flat(INDArray a) {
        if (a.ordering() != 'c' || (a.length() > 1 && a.elementWiseStride() != 1)) {
            throw new IllegalArgumentException(
                    "kernel arrays must be contiguous row-major, got " + a.shapeInfoToString());
        }
        if (a.dataType() != DataType.FLOAT && a.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("kernels take FLOAT or DOUBLE arrays, got " + a.dataType());
        }
        isFloat = a.dataType() == DataType.FLOAT;
        // the buffer's own pointer, not an NIO view (asNio() is a JNI call and an allocation: a layer norm made six per
        // call, most of its cost in a decode step); a view starts data().offset() elements into its allocation
        keep = a.data();
        if (a.data().offset() + a.length() > a.data().underlyingLength())
            throw new IllegalArgumentException("view exceeds its buffer");
        address = address(a);
        length = Math.toIntExact(a.length());
    }

    /**
     * The native address of element 0 of a contiguous array (views included): the allocation's address plus the
     * view's offset. Read from the buffer's own pointer, not an NIO view (asNio() is a JNI call and 112 bytes of
     * garbage, and every BLAS call of a decode step asks for three addresses).
     */
    static long address(INDArray a) {
        long base = a.data().address();
        if (base == 0) throw new IllegalArgumentException("arrays must live in native memory");
        return base + a.data().offset() * a.data().getElementSize();
    }

    /**
     * Whether the Vector-API kernels can read the array through {@link #bytes}: FLOAT, contiguous row-major, and its
     * last byte at an int offset (ByteBuffer indices are ints). Their callers also check {@link RowProducts#AVAILABLE}.
     */
    static boolean vectorReadable(INDArray a) {
        return a.dataType() == DataType.FLOAT
                && a.ordering() == 'c'
                && (a.length() <= 1 || a.elementWiseStride() == 1)
                && (a.data().offset() + a.length()) * 4 < Integer.MAX_VALUE;
    }

    /** The whole native allocation under a contiguous array, as a native-order ByteBuffer (see {@link #byteOffset}). */
    static ByteBuffer bytes(INDArray a) {
        ByteBuffer b = a.data().asNio();
        if (!b.isDirect()) throw new IllegalArgumentException("arrays must live in native memory");
        return b.order(ByteOrder.nativeOrder());
    }

    /** The native address of a direct buffer's first byte (with {@link #bytes}: one NIO view per array, not two). */
    static long baseAddress(ByteBuffer direct) {
        if (!direct.isDirect()) throw new IllegalArgumentException("arrays must live in native memory");
        return U.getLong(direct, ADDRESS);
    }

    /** Where element 0 of the array sits in {@link #bytes}. */
    static long byteOffset(INDArray a) {
        return a.data().offset() * a.data().getElementSize();
    }

    /** Copies the first count FLOAT elements of a contiguous array into dst[0, count). */
    static void copyToHeap(INDArray src, float[] dst, int count) {
        checkFloats(src, count);
        Objects.checkFromIndexSize(0, count, dst.length);
        U.copyMemory(null, address(src), dst, sun.misc.Unsafe.ARRAY_FLOAT_BASE_OFFSET, 4L * count);
    }

    /** Copies src[from, from + count) over the first count FLOAT elements of a contiguous array. */
    static void copyFromHeap(float[] src, int from, INDArray dst, int count) {
        checkFloats(dst, count);
        Objects.checkFromIndexSize(from, count, src.length);
        U.copyMemory(src, sun.misc.Unsafe.ARRAY_FLOAT_BASE_OFFSET + 4L * from, null, address(dst), 4L * count);
    }

    private static void checkFloats(INDArray a, int count) {
        if (a.dataType() != DataType.FLOAT)
            throw new IllegalArgumentException("FLOAT arrays only, got " + a.dataType());
        if (count > a.length()) throw new IndexOutOfBoundsException(count + " elements of an array of " + a.length());
    }

    /**
     * Reads one float per 64-byte line of [address, address + bytes): a sequential walk the hardware prefetcher turns
     * into a full-bandwidth stream, leaving the range in cache for a compute-heavy pass. The caller owns the range.
     */
    static void touch(long address, long bytes) {
        float s = 0f;
        for (long p = 0; p < bytes; p += 64) s += U.getFloat(address + p);
        sink = s;
    }

    /** Keeps {@link #touch}'s reads from being optimised away. */
    @SuppressWarnings("unused")
    private static volatile float sink;

    double get(long i) {
        int k = Objects.checkIndex((int) i, length);
        return isFloat ? U.getFloat(address + 4L * k) : U.getDouble(address + 8L * k);
    }

    void set(long i, double v) {
        int k = Objects.checkIndex((int) i, length);
        if (isFloat) U.putFloat(address + 4L * k, (float) v);
        else U.putDouble(address + 8L * k, v);
    }

    void add(long i, double v) {
        int k = Objects.checkIndex((int) i, length);
        if (isFloat) U.putFloat(address + 4L * k, (float) (U.getFloat(address + 4L * k) + v));
        else U.putDouble(address + 8L * k, U.getDouble(address + 8L * k) + v);
    }

    boolean isFloat() {
        return isFloat;
    }
}
