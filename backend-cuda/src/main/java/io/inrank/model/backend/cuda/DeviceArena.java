package io.inrank.model.backend.cuda;

import java.util.Map;
import java.util.TreeMap;

/**
 * The bookkeeping of the one device allocation a CUDA backend makes: byte ranges of a block of {@code capacity} bytes,
 * handed out first-fit at {@value #ALIGN}-byte alignment (what cuBLAS and vector loads want) and merged with their
 * neighbours when freed. No CUDA here: the backend adds the block's base address, so this planning is tested on any
 * machine. A training step allocates nothing (the model's buffers are made once); ranges come back when their
 * tensors are collected (stage-2 resize replaces a model) and are reused in stream order, which makes reuse safe on the
 * backend's one stream. Not thread-safe by itself: the backend synchronizes.
 */
final class DeviceArena {
    static final long ALIGN = 256;

    private final long capacity;
    private final TreeMap<Long, Long> free = new TreeMap<>(); // offset → size
    private final TreeMap<Long, Long> used = new TreeMap<>(); // offset → size
    private long inUse, peak;

    DeviceArena(long capacity) {
        if (capacity < ALIGN) throw new IllegalArgumentException("arena capacity " + capacity + " bytes is too small");
        this.capacity = capacity / ALIGN * ALIGN;
        free.put(0L, this.capacity);
    }

    static long aligned(long bytes) {
        return (Math.max(bytes, 1) + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** The offset of a new range of at least {@code bytes} bytes (aligned). */
    long allocate(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative size " + bytes);
        long size = aligned(bytes);
        for (Map.Entry<Long, Long> e : free.entrySet()) {
            if (e.getValue() < size) continue;
            long at = e.getKey(), rest = e.getValue() - size;
            free.remove(at);
            if (rest > 0) free.put(at + size, rest);
            used.put(at, size);
            inUse += size;
            peak = Math.max(peak, inUse);
            return at;
        }
        throw new OutOfDeviceMemory(String.format(
                "the CUDA arena is full: %s requested, %s of %s in use, largest free range %s; set INRANK_CUDA_MEMORY"
                        + " (e.g. 40g or 0.95 of the free memory) or use a smaller batch",
                mib(size), mib(inUse), mib(capacity), mib(largestFree())));
    }

    /** Returns a range made by {@link #allocate}; merges it with free neighbours. */
    void free(long offset) {
        Long size = used.remove(offset);
        if (size == null) throw new IllegalArgumentException("offset " + offset + " is not an allocated range");
        inUse -= size;
        long at = offset, len = size;
        Map.Entry<Long, Long> before = free.floorEntry(at);
        if (before != null && before.getKey() + before.getValue() == at) {
            at = before.getKey();
            len += before.getValue();
            free.remove(before.getKey());
        }
        Long after = free.get(offset + size);
        if (after != null) {
            len += after;
            free.remove(offset + size);
        }
        free.put(at, len);
    }

    long capacity() {
        return capacity;
    }

    long inUse() {
        return inUse;
    }

    /** The most bytes ever in use at once (the bench's peak device memory, arena part). */
    long peak() {
        return peak;
    }

    long largestFree() {
        long m = 0;
        for (long s : free.values()) m = Math.max(m, s);
        return m;
    }

    int freeRanges() {
        return free.size();
    }

    static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }

    /** The arena cannot hold a request: a usage problem (sizes, INRANK_CUDA_MEMORY), said in one line. */
    static final class OutOfDeviceMemory extends RuntimeException {
        OutOfDeviceMemory(String message) {
            super(message);
        }
    }
}
