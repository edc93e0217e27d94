package io.inrank.model.backend.nd4j;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * An ND4J buffer (native memory) that the Vector-API kernels load float vectors from and store them to, on every
 * supported JDK. Why not {@code FloatVector.fromByteBuffer}: Java 17's incubator API reads native memory through a
 * ByteBuffer, and Java 19 replaced those methods with {@code fromMemorySegment} (a {@code MemorySegment}, preview in
 * 19–21, final in 22); a class that names either fails to link on the other JDKs. So the one the running JDK has is
 * found once, as a method handle, and called through a static final handle, which the JIT inlines like a direct call
 * (model/README.md has the decode numbers on 17 and 25). On Java 21 MemorySegment is still a preview API: javac
 * refuses to name it without --enable-preview, but preview APIs are not hidden at run time (JEP 12), so the handles
 * reach it there too.
 *
 * <p>{@link #SUPPORTED} is false when neither form links (an unknown JDK); the kernels' callers then keep their BLAS
 * paths, which give the same results more slowly. Offsets are bytes from the buffer's start, as with ByteBuffer.
 */
final class VectorMemory {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    /** The byte buffer (for scalar access) and what the vector calls take: the same buffer, or a segment over it. */
    private final ByteBuffer bytes;

    private final Object memory;

    private VectorMemory(ByteBuffer bytes, Object memory) {
        this.bytes = bytes;
        this.memory = memory;
    }

    /** The whole native allocation under an array (offsets from {@link Flat#byteOffset}), once per kernel call. */
    static VectorMemory of(org.nd4j.linalg.api.ndarray.INDArray a) {
        return of(Flat.bytes(a));
    }

    /** A view of a native-order direct buffer; made once per kernel call (one small object), not per load. */
    static VectorMemory of(ByteBuffer bytes) {
        try {
            return new VectorMemory(bytes, (Object) Handles.MEMORY.invokeExact(bytes));
        } catch (Throwable t) {
            throw Handles.rethrow(t);
        }
    }

    /** Whether the running JDK has one of the two forms (and the incubator module is present). */
    static final boolean SUPPORTED = Handles.LOAD != null;

    /** Which form is in use: "ByteBuffer" (Java 17–18), "MemorySegment" (19+), or "none". */
    static String form() {
        return Handles.FORM;
    }

    FloatVector load(VectorSpecies<Float> s, int byteOffset) {
        try {
            return (FloatVector) Handles.LOAD.invokeExact(s, memory, byteOffset);
        } catch (Throwable t) {
            throw Handles.rethrow(t);
        }
    }

    FloatVector load(VectorSpecies<Float> s, int byteOffset, VectorMask<Float> m) {
        try {
            return (FloatVector) Handles.LOAD_MASKED.invokeExact(s, memory, byteOffset, m);
        } catch (Throwable t) {
            throw Handles.rethrow(t);
        }
    }

    void store(FloatVector v, int byteOffset) {
        try {
            Handles.STORE.invokeExact(v, memory, byteOffset);
        } catch (Throwable t) {
            throw Handles.rethrow(t);
        }
    }

    void store(FloatVector v, int byteOffset, VectorMask<Float> m) {
        try {
            Handles.STORE_MASKED.invokeExact(v, memory, byteOffset, m);
        } catch (Throwable t) {
            throw Handles.rethrow(t);
        }
    }

    /** The buffer itself (its address, scalar access). */
    ByteBuffer bytes() {
        return bytes;
    }

    float getFloat(int byteOffset) {
        return bytes.getFloat(byteOffset);
    }

    void putFloat(int byteOffset, float value) {
        bytes.putFloat(byteOffset, value);
    }

    /**
     * The handles, all with the same shapes whichever form the JDK has: load (species, memory, int byte offset
     * [, mask]) → FloatVector, store (vector, memory, int byte offset [, mask]); memory (ByteBuffer) → Object.
     */
    private static final class Handles {
        static final MethodHandle MEMORY, LOAD, LOAD_MASKED, STORE, STORE_MASKED;
        static final String FORM;

        private static final MethodType LOAD_TYPE =
                MethodType.methodType(FloatVector.class, VectorSpecies.class, Object.class, int.class);
        private static final MethodType LOAD_MASKED_TYPE = LOAD_TYPE.appendParameterTypes(VectorMask.class);
        private static final MethodType STORE_TYPE =
                MethodType.methodType(void.class, FloatVector.class, Object.class, int.class);
        private static final MethodType STORE_MASKED_TYPE = STORE_TYPE.appendParameterTypes(VectorMask.class);

        static {
            MethodHandle[] h = byteBufferForm();
            String form = "ByteBuffer";
            if (h == null) {
                h = memorySegmentForm();
                form = "MemorySegment";
            }
            if (h == null) {
                h = new MethodHandle[5];
                h[0] = MethodHandles.identity(ByteBuffer.class)
                        .asType(MethodType.methodType(Object.class, ByteBuffer.class));
                form = "none";
            }
            MEMORY = h[0];
            LOAD = h[1];
            LOAD_MASKED = h[2];
            STORE = h[3];
            STORE_MASKED = h[4];
            FORM = form;
        }

        /** Java 17–18: fromByteBuffer / intoByteBuffer, the memory is the buffer itself. */
        private static MethodHandle[] byteBufferForm() {
            return form(ByteBuffer.class, int.class, MethodHandles.identity(ByteBuffer.class));
        }

        /** Java 19+: fromMemorySegment / intoMemorySegment on MemorySegment.ofBuffer(buffer). */
        private static MethodHandle[] memorySegmentForm() {
            try {
                Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
                MethodHandle ofBuffer = MethodHandles.publicLookup()
                        .findStatic(segment, "ofBuffer", MethodType.methodType(segment, java.nio.Buffer.class));
                return form(segment, long.class, ofBuffer.asType(MethodType.methodType(segment, ByteBuffer.class)));
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                return null;
            }
        }

        /** The four vector handles for a memory type and its offset type, or null if this JDK lacks them. */
        private static MethodHandle[] form(Class<?> mem, Class<?> offset, MethodHandle memory) {
            try {
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                String suffix = mem == ByteBuffer.class ? "ByteBuffer" : "MemorySegment";
                MethodHandle load = lookup.findStatic(
                        FloatVector.class,
                        "from" + suffix,
                        MethodType.methodType(FloatVector.class, VectorSpecies.class, mem, offset, ByteOrder.class));
                MethodHandle loadMasked = lookup.findStatic(
                        FloatVector.class,
                        "from" + suffix,
                        MethodType.methodType(
                                FloatVector.class,
                                VectorSpecies.class,
                                mem,
                                offset,
                                ByteOrder.class,
                                VectorMask.class));
                MethodHandle store = lookup.findVirtual(
                        FloatVector.class,
                        "into" + suffix,
                        MethodType.methodType(void.class, mem, offset, ByteOrder.class));
                MethodHandle storeMasked = lookup.findVirtual(
                        FloatVector.class,
                        "into" + suffix,
                        MethodType.methodType(void.class, mem, offset, ByteOrder.class, VectorMask.class));
                // bind the byte order (argument 3, after species/vector, memory, offset), then widen to the common
                // shapes
                return new MethodHandle[] {
                    memory.asType(MethodType.methodType(Object.class, ByteBuffer.class)),
                    MethodHandles.insertArguments(load, 3, NATIVE).asType(LOAD_TYPE),
                    MethodHandles.insertArguments(loadMasked, 3, NATIVE).asType(LOAD_MASKED_TYPE),
                    MethodHandles.insertArguments(store, 3, NATIVE).asType(STORE_TYPE),
                    MethodHandles.insertArguments(storeMasked, 3, NATIVE).asType(STORE_MASKED_TYPE)
                };
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                return null;
            }
        }

        static RuntimeException rethrow(Throwable t) {
            if (t instanceof RuntimeException r) return r;
            if (t instanceof Error e) throw e;
            return new IllegalStateException(t);
        }
    }
}
