package io.inrank.model.backend.cuda;

import java.lang.ref.Cleaner;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * The device side of the CUDA backend's memory: the one cudaMalloc'd arena ({@link DeviceArena} plans it), tensors
 * cut from it, the scratch regions kernels share (ints uploaded per call, float partials), and host staging for
 * transfers. Callers hold the backend's lock; ranges of collected tensors are queued by the cleaner thread and
 * returned to the arena at the next allocation, under that lock.
 */
final class DeviceMemory {
    private static final Cleaner CLEANER = Cleaner.create();

    final CUstream_st stream;
    private final long base;
    private final DeviceArena arena;
    private final ConcurrentLinkedQueue<Long> collected = new ConcurrentLinkedQueue<>();

    private long ints, intCapacity; // device int scratch (ids, targets, buckets, slots…)
    private long floats, floatCapacity; // device float scratch (partials, per-row losses)
    private FloatPointer hostFloats = new FloatPointer(1);
    private IntPointer hostInts = new IntPointer(1);

    DeviceMemory(CUstream_st stream, long capacity) {
        this.stream = stream;
        Pointer block = new Pointer();
        CudaCheck.rt(cudart.cudaMalloc(block, capacity), "cudaMalloc of the " + DeviceArena.mib(capacity) + " arena");
        this.base = block.address();
        this.arena = new DeviceArena(capacity);
    }

    /**
     * The arena size from {@code INRANK_CUDA_MEMORY}: bytes with a k/m/g suffix ("40g"), or a fraction of the free
     * memory ("0.9"); by default 90 % of the free memory, leaving at least 1 GiB for cuBLAS's and cuSOLVER's own
     * workspaces.
     */
    static long arenaBytes(String setting, long free) {
        long headroom = 1L << 30;
        if (setting == null || setting.isBlank()) return Math.max(0, Math.min((long) (0.9 * free), free - headroom));
        String s = setting.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (s.startsWith("0.") || s.equals("1") || s.equals("1.0")) {
                double f = Double.parseDouble(s);
                if (f <= 0 || f > 1) throw new NumberFormatException();
                return (long) (f * free);
            }
            long unit = switch (s.charAt(s.length() - 1)) {
                case 'k' -> 1L << 10;
                case 'm' -> 1L << 20;
                case 'g' -> 1L << 30;
                default -> 1;
            };
            String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
            long bytes = Long.parseLong(digits) * unit;
            if (bytes <= 0) throw new NumberFormatException();
            return bytes;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("INRANK_CUDA_MEMORY '" + setting
                    + "': expected a size such as 40g or 512m, or a fraction of the free memory such as 0.9");
        }
    }

    static long freeDeviceBytes() {
        SizeTPointer free = new SizeTPointer(1), total = new SizeTPointer(1);
        CudaCheck.rt(cudart.cudaMemGetInfo(free, total), "cudaMemGetInfo");
        return free.get();
    }

    /** A new tensor of the given shape (float32), its contents undefined. */
    CudaTensor tensor(long[] shape) {
        long n = 1;
        for (long s : shape) {
            if (s < 0) throw new IllegalArgumentException("negative dimension in " + java.util.Arrays.toString(shape));
            n *= s;
        }
        long offset = allocate(4 * n);
        CudaTensor.Block block = new CudaTensor.Block(offset, 4 * n);
        ConcurrentLinkedQueue<Long> queue = collected;
        CLEANER.register(block, () -> queue.add(offset));
        return new CudaTensor(block, base + offset, shape);
    }

    /** A raw range (device address) for a call's own workspace; give it back with {@link #release}. */
    long allocateRaw(long bytes) {
        return base + allocate(bytes);
    }

    void release(long address) {
        arena.free(address - base);
    }

    private long allocate(long bytes) {
        for (Long o; (o = collected.poll()) != null; ) arena.free(o);
        return arena.allocate(bytes);
    }

    long peakBytes() {
        return arena.peak();
    }

    long capacity() {
        return arena.capacity();
    }

    // ---- scratch ----
    /** Uploads ints into the int scratch at element offset {@code at} (grown if needed); returns its device address. */
    long uploadInts(int[] values, int count, int at) {
        long need = (long) at + count;
        if (need > intCapacity) {
            long keep = ints;
            long cap = Math.max(need, 2 * intCapacity);
            ints = allocateRaw(4 * cap);
            if (keep != 0) {
                CudaCheck.rt(
                        cudart.cudaMemcpyAsync(
                                new RawPointer(ints),
                                new RawPointer(keep),
                                4 * intCapacity,
                                cudart.cudaMemcpyDeviceToDevice,
                                stream),
                        "cudaMemcpyAsync (int scratch)");
                release(keep);
            }
            intCapacity = cap;
        }
        if (hostInts.capacity() < count) hostInts = new IntPointer(Math.max(count, 2 * hostInts.capacity()));
        hostInts.put(values, 0, count);
        long dst = ints + 4L * at;
        CudaCheck.rt(
                cudart.cudaMemcpyAsync(
                        new RawPointer(dst), hostInts, 4L * count, cudart.cudaMemcpyHostToDevice, stream),
                "cudaMemcpyAsync (ints to device)");
        sync(); // the staging buffer is reused by the next upload
        return dst;
    }

    /** A float scratch region of at least n floats (contents undefined; grown if needed). */
    long floatScratch(long n) {
        if (n > floatCapacity) {
            if (floats != 0) release(floats);
            floatCapacity = Math.max(n, 2 * floatCapacity);
            floats = allocateRaw(4 * floatCapacity);
        }
        return floats;
    }

    /**
     * Named workspaces of the kernels that need large transient buffers: attention's score matrices, the bf16 copy of
     * the gradients a bf16 all-reduce sends.
     */
    static final int WS_SCORES = 0, WS_SCORE_GRADS = 1, WS_REDUCE = 2;

    private final long[] workspaces = new long[3], workspaceFloats = new long[3];

    /** Workspace {@code which} of at least n floats (contents undefined; grown if needed, reused in stream order). */
    long workspace(int which, long n) {
        if (n > workspaceFloats[which]) {
            if (workspaces[which] != 0) release(workspaces[which]);
            workspaces[which] = allocateRaw(4 * n);
            workspaceFloats[which] = n;
        }
        return workspaces[which];
    }

    // ---- transfers ----
    void toHost(long src, float[] out, int n) {
        staging(n);
        CudaCheck.rt(
                cudart.cudaMemcpyAsync(hostFloats, new RawPointer(src), 4L * n, cudart.cudaMemcpyDeviceToHost, stream),
                "cudaMemcpyAsync (to host)");
        sync();
        hostFloats.get(out, 0, n);
    }

    void fromHost(float[] in, long dst, int n) {
        staging(n);
        hostFloats.put(in, 0, n);
        CudaCheck.rt(
                cudart.cudaMemcpyAsync(new RawPointer(dst), hostFloats, 4L * n, cudart.cudaMemcpyHostToDevice, stream),
                "cudaMemcpyAsync (to device)");
        sync();
    }

    void doublesFromHost(double[] in, long dst) {
        DoublePointer h = new DoublePointer(in);
        CudaCheck.rt(
                cudart.cudaMemcpyAsync(new RawPointer(dst), h, 8L * in.length, cudart.cudaMemcpyHostToDevice, stream),
                "cudaMemcpyAsync (doubles to device)");
        sync();
        h.close();
    }

    double[] doublesToHost(long src, int n) {
        DoublePointer h = new DoublePointer(n);
        CudaCheck.rt(
                cudart.cudaMemcpyAsync(h, new RawPointer(src), 8L * n, cudart.cudaMemcpyDeviceToHost, stream),
                "cudaMemcpyAsync (doubles to host)");
        sync();
        double[] out = new double[n];
        h.get(out);
        h.close();
        return out;
    }

    void copy(long src, long dst, long bytes) {
        if (src == dst || bytes == 0) return;
        CudaCheck.rt(
                cudart.cudaMemcpyAsync(
                        new RawPointer(dst), new RawPointer(src), bytes, cudart.cudaMemcpyDeviceToDevice, stream),
                "cudaMemcpyAsync (device to device)");
    }

    void zero(long dst, long bytes) {
        if (bytes > 0) CudaCheck.rt(cudart.cudaMemsetAsync(new RawPointer(dst), 0, bytes, stream), "cudaMemsetAsync");
    }

    /**
     * The top-left rows×cols block of a column-major matrix with leading dimension ld (floats), to the host, as
     * column-major rows×cols.
     */
    float[] blockToHost(long src, int ld, int rows, int cols) {
        staging((long) rows * cols);
        CudaCheck.rt(
                cudart.cudaMemcpy2DAsync(
                        hostFloats,
                        4L * rows,
                        new RawPointer(src),
                        4L * ld,
                        4L * rows,
                        cols,
                        cudart.cudaMemcpyDeviceToHost,
                        stream),
                "cudaMemcpy2DAsync (to host)");
        sync();
        float[] out = new float[rows * cols];
        hostFloats.get(out, 0, out.length);
        return out;
    }

    void sync() {
        CudaCheck.rt(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    }

    private void staging(long n) {
        if (hostFloats.capacity() < n) {
            hostFloats.close();
            hostFloats = new FloatPointer(Math.max(n, 2 * hostFloats.capacity()));
        }
    }
}
