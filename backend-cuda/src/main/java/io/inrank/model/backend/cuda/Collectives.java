package io.inrank.model.backend.cuda;

import java.util.HexFormat;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.nccl;
import org.bytedeco.cuda.nccl.ncclComm;
import org.bytedeco.cuda.nccl.ncclUniqueId;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;

/**
 * One NCCL communicator of a data-parallel run: this process is replica {@code rank} of {@code size}, one device each.
 * Rank 0 makes the run's id ({@link #newId}) and hands it to the others through the run's rendezvous; every replica
 * then {@link #join}s. The collectives work in place on device memory, on the stream they are given (the backend's),
 * so they are ordered after the kernels that produced their input. On the emulated device they run between local
 * processes through shared memory (cuda-emulator's libnccl.so.2), with a fixed reduction order.
 *
 * <p>A watchdog thread polls NCCL's asynchronous error every {@value #WATCHDOG_MS} ms, as PyTorch's does: when a peer
 * has exited or the network failed, NCCL reports it there, but kernels already waiting for that peer would wait for
 * ever; the watchdog aborts the communicator, which ends them, and every later use of it (and {@link #check}) throws a
 * {@link CudaCheck.CudaException} naming the cause — a failure the trainer's launcher restarts the group for.
 */
public final class Collectives implements AutoCloseable {
    /** Bytes of an NCCL unique id (NCCL_UNIQUE_ID_BYTES). */
    public static final int ID_BYTES = 128;

    /** The element types the trainer reduces: float32 gradients, or bf16 ones (half the bytes on the wire). */
    public enum Type {
        FLOAT32(nccl.ncclFloat32, 4),
        BFLOAT16(nccl.ncclBfloat16, 2);
        final int code, bytes;

        Type(int code, int bytes) {
            this.code = code;
            this.bytes = bytes;
        }
    }

    private final ncclComm comm;
    private final CUstream_st stream;
    private final int rank, size;
    private final RawPointer data = new RawPointer(0); // re-aimed per call: no object per collective
    private boolean closed; // guarded by this, as is every NCCL call: the watchdog may abort between two
    private volatile String abortedBecause; // set before the watchdog's abort
    private Thread watchdog;

    /** How often the watchdog asks NCCL for an asynchronous error. */
    public static final int WATCHDOG_MS = 500;

    private Collectives(ncclComm comm, CUstream_st stream, int rank, int size) {
        this.comm = comm;
        this.stream = stream;
        this.rank = rank;
        this.size = size;
    }

    /** A fresh id for one run's communicator (rank 0 makes it; it is not a secret, but it names the group). */
    public static byte[] newId() {
        Loader.load(nccl.class);
        ncclUniqueId id = new ncclUniqueId();
        check(nccl.ncclGetUniqueId(id), "ncclGetUniqueId", null);
        byte[] out = new byte[ID_BYTES];
        id.internal().get(out);
        return out;
    }

    /**
     * Joins the communicator named by {@code id} as {@code rank} of {@code size}; returns once every rank has joined.
     * {@code stream} is the stream the collectives are issued on (null: the default stream).
     */
    public static Collectives join(byte[] id, int size, int rank, CUstream_st stream) {
        if (id.length != ID_BYTES) throw new IllegalArgumentException("an NCCL id has " + ID_BYTES + " bytes");
        if (size < 1 || rank < 0 || rank >= size)
            throw new IllegalArgumentException("rank " + rank + " of " + size + " replicas");
        Loader.load(nccl.class);
        ncclUniqueId uid = new ncclUniqueId();
        uid.internal().put(id);
        ncclComm comm = new ncclComm();
        check(
                nccl.ncclCommInitRank(comm, size, uid, rank),
                "ncclCommInitRank(rank " + rank + " of " + size + ")",
                null);
        Collectives c = new Collectives(comm, stream, rank, size);
        c.watchdog = new Thread(c::watch, "nccl-watchdog-rank-" + rank);
        c.watchdog.setDaemon(true);
        c.watchdog.start();
        return c;
    }

    private void watch() {
        try (IntPointer error = new IntPointer(1)) {
            while (true) {
                Thread.sleep(WATCHDOG_MS);
                synchronized (this) {
                    if (closed) return;
                    int status = nccl.ncclCommGetAsyncError(comm, error), e = error.get();
                    if (status == nccl.ncclSuccess && (e == nccl.ncclSuccess || e == nccl.ncclInProgress)) continue;
                    BytePointer last = nccl.ncclGetLastError(comm);
                    String detail = last == null || last.isNull() ? "" : last.getString();
                    abortedBecause = nccl.ncclGetErrorString(status != nccl.ncclSuccess ? status : e)
                                    .getString()
                            + (detail.isEmpty() ? "" : ": " + detail);
                    System.err.println("NCCL watchdog, rank " + rank + " of " + size + ": " + abortedBecause
                            + "; aborting the communicator");
                    closed = true;
                    nccl.ncclCommAbort(comm);
                    return;
                }
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    /**
     * Throws if the watchdog has aborted the communicator: call after the host has waited for a collective's result and
     * before using it (an aborted collective leaves its output undefined).
     */
    public void check() {
        String why = abortedBecause;
        if (why != null)
            throw new CudaCheck.CudaException(
                    "the NCCL communicator was aborted (rank " + rank + " of " + size + "): " + why);
    }

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    /** In place: {@code count} elements at {@code address} become the average over the replicas. */
    public void allReduceAverage(long address, long count, Type type) {
        allReduceAverage(address, count, type, stream);
    }

    /** As {@link #allReduceAverage(long, long, Type)}, issued on stream {@code on} (a communication stream). */
    public synchronized void allReduceAverage(long address, long count, Type type, CUstream_st on) {
        open();
        data.at(address);
        check(nccl.ncclAllReduce(data, data, count, type.code, nccl.ncclAvg, comm, on), "ncclAllReduce", comm);
    }

    /** The collectives issued until {@link #groupEnd} go out as one operation (one launch for many small ranges). */
    public synchronized void groupStart() {
        open();
        check(nccl.ncclGroupStart(), "ncclGroupStart", comm);
    }

    public synchronized void groupEnd() {
        check(nccl.ncclGroupEnd(), "ncclGroupEnd", comm);
    }

    /** In place: {@code count} elements at {@code address} become rank {@code root}'s. */
    public synchronized void broadcast(long address, long count, Type type, int root) {
        open();
        data.at(address);
        check(nccl.ncclBroadcast(data, data, count, type.code, root, comm, stream), "ncclBroadcast", comm);
    }

    /** Every replica has arrived here (an empty all-reduce; NCCL has no barrier of its own). */
    public synchronized void barrier() {
        open();
        data.at(0);
        check(nccl.ncclAllReduce(data, data, 0, nccl.ncclFloat32, nccl.ncclSum, comm, stream), "barrier", comm);
    }

    /** Leaves the group after a failure: the other replicas' collectives fail instead of waiting for this one. */
    public void abort() {
        synchronized (this) {
            if (closed) return;
            closed = true;
            nccl.ncclCommAbort(comm);
        }
        watchdog.interrupt();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
            check(nccl.ncclCommDestroy(comm), "ncclCommDestroy", null);
        }
        watchdog.interrupt();
    }

    /** An id as text (the rendezvous record carries it so). */
    public static String hex(byte[] id) {
        return HexFormat.of().formatHex(id);
    }

    public static byte[] fromHex(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    private void open() {
        check();
        if (closed) throw new IllegalStateException("the communicator is closed");
    }

    private static void check(int status, String call, ncclComm comm) {
        if (status == 0) return;
        BytePointer last = comm == null ? null : nccl.ncclGetLastError(comm);
        String detail = last == null || last.isNull() ? "" : last.getString();
        throw new CudaCheck.CudaException(
                call + ": " + nccl.ncclGetErrorString(status).getString() + " (" + status + ")"
                        + (detail.isEmpty() ? "" : ": " + detail));
    }
}
