package io.inrank.model.backend.cuda;

import io.inrank.model.backend.Precision;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.FloatPointer;

/**
 * One replica's gradient all-reduce on a stream of its own, so it runs while the backward goes on: a bucket of
 * gradient ranges is {@link #start}ed as soon as the backward has finished them (the communication stream waits for
 * the compute stream's work up to that point, nothing more), and {@link #finish} makes the compute stream's later work
 * (clipping, AdamW) wait for every started bucket. Under bf16 each range is packed to bf16 on the communication stream
 * (half the bytes on the wire), averaged, and unpacked. Events also time it: the reductions' span on the device, and
 * the part of it the backward did not hide.
 *
 * <p>One communicator on two streams: NCCL needs every replica to run its collectives in one order, and here each is
 * ordered after the one before it (a bucket waits for the compute stream's work, which includes the last step's
 * collectives; the compute stream waits for every bucket before its next collective).
 *
 * <p>Preallocated: the streams, events and the bf16 workspace are made once; a step issues launches and NCCL calls
 * only. Not thread-safe: the backend's lock is held by the caller.
 */
final class GradientReduction implements AutoCloseable {
    private final Collectives comm;
    private final DeviceMemory mem;
    private final Kernels kernels;
    private final Precision precision;
    private final CUstream_st reduceStream = new CUstream_st();
    // per bucket: the compute stream's work so far (the last bucket's marks the backward's end: nothing is issued on
    // the compute stream between it and the optimizer's wait); on the reduction stream: the first bucket's start, the
    // last one's end
    private final CUevent_st issued = new CUevent_st(), firstStarted = new CUevent_st(), reduced = new CUevent_st();
    private final FloatPointer millis = new FloatPointer(1);
    private boolean started, timed;

    GradientReduction(Collectives comm, DeviceMemory mem, Kernels kernels, Precision precision) {
        this.comm = comm;
        this.mem = mem;
        this.kernels = kernels;
        this.precision = precision;
        CudaCheck.rt(
                cudart.cudaStreamCreateWithFlags(reduceStream, cudart.cudaStreamNonBlocking),
                "cudaStreamCreate (gradient reduction)");
        for (CUevent_st e : new CUevent_st[] {issued, firstStarted, reduced})
            CudaCheck.rt(cudart.cudaEventCreate(e), "cudaEventCreate");
    }

    /**
     * Starts averaging {@code count} ranges of the gradients at {@code grads} ({@code length} floats in all):
     * {@code ranges[2i]} is a range's first element, {@code ranges[2i+1]} its length.
     */
    void start(long grads, long length, long[] ranges, int count) {
        long wire = precision == Precision.BF16 ? mem.workspace(DeviceMemory.WS_REDUCE, (length + 1) / 2) : 0;
        CudaCheck.rt(cudart.cudaEventRecord(issued, mem.stream), "cudaEventRecord");
        CudaCheck.rt(cudart.cudaStreamWaitEvent(reduceStream, issued, 0), "cudaStreamWaitEvent");
        if (!started) CudaCheck.rt(cudart.cudaEventRecord(firstStarted, reduceStream), "cudaEventRecord");
        started = true;
        for (int i = 0; wire != 0 && i < count; i++) { // bf16 products, bf16 on the wire
            long at = ranges[2 * i], n = ranges[2 * i + 1];
            kernels.args().ptr(grads + 4 * at).ptr(wire + 2 * at).i64(n);
            kernels.launchOn(reduceStream, "tensor_ops", "pack_bf16", LaunchShapes.grid(n, 256), 256);
        }
        comm.groupStart(); // one NCCL operation for the bucket's ranges
        try {
            for (int i = 0; i < count; i++) {
                long at = ranges[2 * i], n = ranges[2 * i + 1];
                if (wire != 0) comm.allReduceAverage(wire + 2 * at, n, Collectives.Type.BFLOAT16, reduceStream);
                else comm.allReduceAverage(grads + 4 * at, n, Collectives.Type.FLOAT32, reduceStream);
            }
        } finally {
            comm.groupEnd();
        }
        for (int i = 0; wire != 0 && i < count; i++) { // every replica rounds the same average back
            long at = ranges[2 * i], n = ranges[2 * i + 1];
            kernels.args().ptr(wire + 2 * at).ptr(grads + 4 * at).i64(n);
            kernels.launchOn(reduceStream, "tensor_ops", "unpack_bf16", LaunchShapes.grid(n, 256), 256);
        }
    }

    /** The compute stream's later work waits for every started range. */
    void finish() {
        if (!started) { // nothing was reduced: a zero time
            CudaCheck.rt(cudart.cudaEventRecord(issued, mem.stream), "cudaEventRecord");
            CudaCheck.rt(cudart.cudaEventRecord(firstStarted, reduceStream), "cudaEventRecord");
        }
        CudaCheck.rt(cudart.cudaEventRecord(reduced, reduceStream), "cudaEventRecord");
        CudaCheck.rt(cudart.cudaStreamWaitEvent(mem.stream, reduced, 0), "cudaStreamWaitEvent");
        started = false;
        timed = true;
    }

    /** Seconds from the first bucket's start to the last one's end, on the device (waiting for slower peers included). */
    double seconds() {
        return elapsed(firstStarted);
    }

    /**
     * Seconds from the backward's end to the reductions' end: what the compute stream waited, the part the overlap did
     * not hide (more than {@link #seconds} when the first bucket started only after the backward).
     */
    double exposedSeconds() {
        return Math.max(0, elapsed(issued));
    }

    private double elapsed(CUevent_st from) {
        if (!timed) return 0;
        CudaCheck.rt(cudart.cudaEventSynchronize(reduced), "cudaEventSynchronize");
        CudaCheck.rt(cudart.cudaEventElapsedTime(millis, from, reduced), "cudaEventElapsedTime");
        return millis.get() / 1e3;
    }

    @Override
    public void close() {
        for (CUevent_st e : new CUevent_st[] {issued, firstStarted, reduced}) cudart.cudaEventDestroy(e);
        cudart.cudaStreamDestroy(reduceStream);
        millis.close();
    }
}
