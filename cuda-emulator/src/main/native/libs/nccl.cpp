// libnccl.so.2 of the emulated device: NCCL's communicators and the collectives the data-parallel trainer uses
// (all-reduce, broadcast; a one-element all-reduce is its barrier) between the ranks of one machine — processes or
// threads — through one POSIX shared-memory segment per communicator. Each collective runs when it is issued, like
// every other call of the emulation: it returns once every rank has taken part.
//
// Reduction order is fixed: every rank sums the ranks' chunks in rank order 0..N-1 in float (double for float64) and
// rounds once, so all ranks hold bit-identical results and a rerun gives the same bits. (Real NCCL's ring reduces in
// the ring's order, rounding to the data type at each hop; its results are also identical across ranks.)
//
// A rank that dies is seen by the others within milliseconds (its pid is gone) and their collective fails with
// ncclRemoteError instead of waiting forever; so does one that does not arrive within INRANK_NCCL_EMULATION_TIMEOUT_S
// (default 300 s). ncclCommAbort marks the communicator aborted for every rank.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <set>

#include "../core/emu.h"

namespace {

// ---- NCCL's ABI (nccl.h 2.2x): the numbers JavaCPP's bindings pass ----
enum Result : int {
    ncclSuccess = 0,
    ncclUnhandledCudaError = 1,
    ncclSystemError = 2,
    ncclInternalError = 3,
    ncclInvalidArgument = 4,
    ncclInvalidUsage = 5,
    ncclRemoteError = 6,
    ncclInProgress = 7,
};
enum RedOp : int { ncclSum = 0, ncclProd = 1, ncclMax = 2, ncclMin = 3, ncclAvg = 4 };
enum DataType : int {
    ncclInt8 = 0,
    ncclUint8 = 1,
    ncclInt32 = 2,
    ncclUint32 = 3,
    ncclInt64 = 4,
    ncclUint64 = 5,
    ncclFloat16 = 6,
    ncclFloat32 = 7,
    ncclFloat64 = 8,
    ncclBfloat16 = 9,
};
constexpr int UNIQUE_ID_BYTES = 128;
struct UniqueId {
    char internal[UNIQUE_ID_BYTES];
};
constexpr int VERSION = 22807;  // the API level emulated: NCCL 2.28.7 (major*10000 + minor*100 + patch)

constexpr char ID_PREFIX[] = "inrank-nccl-emulated:";
constexpr uint32_t MAGIC = 0x4e43434c;  // "NCCL"
constexpr size_t CHUNK = 4 << 20;        // bytes per rank per round of a collective
constexpr int MAX_RANKS = 1024;

// The shared segment: this header, then one CHUNK-byte slot per rank.
struct Header {
    uint32_t magic;
    std::atomic<int32_t> nranks;
    std::atomic<int32_t> joined;
    std::atomic<int32_t> aborted;
    std::atomic<uint32_t> arrived;  // the barrier: ranks arrived in this generation
    std::atomic<uint32_t> generation;
    std::atomic<int32_t> pid[MAX_RANKS];
};
constexpr size_t HEADER_BYTES = (sizeof(Header) + 4095) / 4096 * 4096;

struct Comm {
    Header* h;
    char* slots;
    size_t map_bytes;
    int rank, nranks;
    bool broken;
    char name[UNIQUE_ID_BYTES];
    char last_error[256];
    char cause[256];  // the error that broke the communicator
    std::atomic<int> busy;  // queued collectives running now: a destroy (an abort from another thread) waits for them
};

thread_local char last_error[256];

Result fail(Comm* c, Result r, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
Result fail(Comm* c, Result r, const char* fmt, ...) {
    char* out = c ? c->last_error : last_error;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, 256, fmt, ap);
    va_end(ap);
    if (c) strncpy(last_error, c->last_error, sizeof last_error);
    emu_log("NCCL: %s", out);
    if (c && !c->broken && (r == ncclRemoteError || r == ncclSystemError)) {
        c->broken = true;
        memcpy(c->cause, c->last_error, sizeof c->cause);
    }
    return r;
}

double timeout_s() {
    const char* v = getenv("INRANK_NCCL_EMULATION_TIMEOUT_S");
    double t = v ? atof(v) : 300.0;
    return t > 0 ? t : 300.0;
}

double now_s() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// A peer process that has exited: its pid no longer exists (threads of this process share our pid and are skipped).
int dead_peer(const Comm* c) {
    pid_t self = getpid();
    for (int r = 0; r < c->nranks; r++) {
        pid_t p = c->h->pid[r].load();
        if (p > 0 && p != self && kill(p, 0) != 0 && errno == ESRCH) return r;
    }
    return -1;
}

// Waits until done() or a peer is gone, the communicator was aborted, or the timeout passed (then an error).
template <typename Done>
Result wait_for(Comm* c, Done done, const char* what) {
    double start = now_s(), limit = timeout_s(), next_check = 0;
    for (long spins = 0; !done(); spins++) {
        if (spins < 2000) {
            sched_yield();
            continue;
        }
        timespec pause{0, 50000};  // 50 us
        nanosleep(&pause, nullptr);
        double t = now_s() - start;
        if (c->h->aborted.load()) return fail(c, ncclRemoteError, "%s: the communicator was aborted by a rank", what);
        if (t >= next_check) {
            next_check = t + 0.01;
            int d = dead_peer(c);
            if (d >= 0)
                return fail(c, ncclRemoteError, "%s: rank %d (pid %d) has exited", what, d, (int)c->h->pid[d].load());
        }
        if (t > limit)
            return fail(c, ncclRemoteError, "%s: not every rank arrived within %.0f s (INRANK_NCCL_EMULATION_TIMEOUT_S)",
                        what, limit);
    }
    return ncclSuccess;
}

Result barrier(Comm* c, const char* what) {
    Header* h = c->h;
    uint32_t gen = h->generation.load();
    if (h->arrived.fetch_add(1) + 1 == (uint32_t)c->nranks) {
        h->arrived.store(0);
        h->generation.fetch_add(1);
        return ncclSuccess;
    }
    return wait_for(c, [&] { return h->generation.load() != gen; }, what);
}

size_t type_size(int t) {
    switch (t) {
        case ncclInt8:
        case ncclUint8:
            return 1;
        case ncclFloat16:
        case ncclBfloat16:
            return 2;
        case ncclInt32:
        case ncclUint32:
        case ncclFloat32:
            return 4;
        case ncclInt64:
        case ncclUint64:
        case ncclFloat64:
            return 8;
        default:
            return 0;
    }
}

float bf16_to_float(uint16_t b) {
    uint32_t u = (uint32_t)b << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

uint16_t float_to_bf16(float f) {  // round to nearest even, NaN kept quiet
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffff) > 0x7f800000) return (uint16_t)((u >> 16) | 0x40);
    return (uint16_t)((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}

template <typename Acc>
Acc combine(Acc a, Acc b, int op) {
    switch (op) {
        case ncclProd:
            return a * b;
        case ncclMax:
            return a > b ? a : b;
        case ncclMin:
            return a < b ? a : b;
        default:
            return a + b;
    }
}

// out[i] = op over ranks 0..N-1 of slot_r[i], for n elements of type T accumulated as Acc.
template <typename T, typename Acc>
void reduce(const Comm* c, void* out, size_t n, int op) {
    T* o = (T*)out;
    for (size_t i = 0; i < n; i++) {
        Acc acc = (Acc)((const T*)c->slots)[i];
        for (int r = 1; r < c->nranks; r++) acc = combine(acc, (Acc)((const T*)(c->slots + (size_t)r * CHUNK))[i], op);
        if (op == ncclAvg) acc = acc / (Acc)c->nranks;
        o[i] = (T)acc;
    }
}

void reduce_bf16(const Comm* c, void* out, size_t n, int op) {
    uint16_t* o = (uint16_t*)out;
    for (size_t i = 0; i < n; i++) {
        float acc = bf16_to_float(((const uint16_t*)c->slots)[i]);
        for (int r = 1; r < c->nranks; r++)
            acc = combine(acc, bf16_to_float(((const uint16_t*)(c->slots + (size_t)r * CHUNK))[i]), op);
        if (op == ncclAvg) acc = acc / (float)c->nranks;
        o[i] = float_to_bf16(acc);
    }
}

Result check_call(Comm* c, const void* a, const void* b, size_t bytes, void* stream, const char* what) {
    if (!c) return fail(nullptr, ncclInvalidArgument, "%s: no communicator", what);
    if (c->broken) return fail(c, ncclRemoteError, "%s: the communicator failed earlier (%s)", what, c->cause);
    if (emu_sticky_error()) return fail(c, ncclUnhandledCudaError, "%s: the device has a sticky error", what);
    if (!emu_stream_valid(stream)) return fail(c, ncclInvalidArgument, "%s: invalid stream", what);
    if (bytes > 0 && a && !emu_check_device(a, bytes, what))
        return fail(c, ncclInvalidArgument, "%s: the send buffer is not device memory of that size", what);
    if (bytes > 0 && b && !emu_check_device(b, bytes, what))
        return fail(c, ncclInvalidArgument, "%s: the receive buffer is not device memory of that size", what);
    return ncclSuccess;
}

// Runs a collective when its stream reaches it: now, or queued on a deferring stream (emu.h), where a failure breaks
// the communicator (logged) and the next call on it reports it, as NCCL reports asynchronous errors.
// A collective still queued when its communicator is destroyed or aborted does not run.
std::mutex comms_lock;
std::set<const Comm*> comms;

template <typename F>
Result on_stream(void* stream, Comm* c, const char* what, F run) {
    if (!emu_stream_defers(stream)) return run();
    return emu_stream_submit(stream, [run, c, what] {
               bool live;
               {
                   std::lock_guard<std::mutex> g(comms_lock);
                   live = comms.count(c) > 0;
                   if (live) c->busy++;
               }
               if (!live) {
                   emu_log("NCCL: %s: its communicator was destroyed before the stream reached it", what);
                   return (int)EMU_SUCCESS;
               }
               if (c->broken) fail(c, ncclRemoteError, "%s: the communicator failed earlier (%s)", what, c->cause);
               else run();  // an abort meanwhile ends its waits (the segment's flag)
               c->busy--;
               return (int)EMU_SUCCESS;
           }) == EMU_SUCCESS
               ? ncclSuccess
               : ncclUnhandledCudaError;
}

// The all-reduce itself, when its stream reaches it (checked before).
Result all_reduce(const void* send, void* recv, size_t count, int type, size_t es, int op, Comm* c, const char* what) {
    Result r;
    if (count == 0) return barrier(c, what);  // still a synchronisation point, as every rank calls it
    size_t per = CHUNK / es;
    for (size_t at = 0; at < count; at += per) {
        size_t n = count - at < per ? count - at : per;
        memcpy(c->slots + (size_t)c->rank * CHUNK, (const char*)send + at * es, n * es);
        if ((r = barrier(c, what)) != ncclSuccess) return r;
        void* out = (char*)recv + at * es;
        switch (type) {
            case ncclFloat32:
                reduce<float, float>(c, out, n, op);
                break;
            case ncclFloat64:
                reduce<double, double>(c, out, n, op);
                break;
            case ncclBfloat16:
                reduce_bf16(c, out, n, op);
                break;
            case ncclInt8:
                reduce<int8_t, int64_t>(c, out, n, op);
                break;
            case ncclUint8:
                reduce<uint8_t, uint64_t>(c, out, n, op);
                break;
            case ncclInt32:
                reduce<int32_t, int64_t>(c, out, n, op);
                break;
            case ncclUint32:
                reduce<uint32_t, uint64_t>(c, out, n, op);
                break;
            case ncclInt64:
                reduce<int64_t, int64_t>(c, out, n, op);
                break;
            default:
                reduce<uint64_t, uint64_t>(c, out, n, op);
                break;
        }
        if ((r = barrier(c, what)) != ncclSuccess) return r;  // no rank refills a slot another still reads
    }
    return ncclSuccess;
}


// The broadcast itself, when its stream reaches it (checked before).
Result broadcast(const void* send, void* recv, size_t count, size_t es, int root, Comm* c, const char* what) {
    Result r;
    if (count == 0) return barrier(c, what);
    for (size_t at = 0; at < count * es; at += CHUNK) {
        size_t n = count * es - at < CHUNK ? count * es - at : CHUNK;
        if (c->rank == root) memcpy(c->slots, (const char*)send + at, n);
        if ((r = barrier(c, what)) != ncclSuccess) return r;
        if (c->rank != root || recv != send) memcpy((char*)recv + at, c->slots, n);
        if ((r = barrier(c, what)) != ncclSuccess) return r;
    }
    return ncclSuccess;
}


}  // namespace

#define NCCL_API extern "C" __attribute__((visibility("default")))

NCCL_API int ncclGetVersion(int* version) {
    if (!version) return ncclInvalidArgument;
    *version = VERSION;
    return ncclSuccess;
}

NCCL_API const char* ncclGetErrorString(int result) {
    switch (result) {
        case ncclSuccess:
            return "no error";
        case ncclUnhandledCudaError:
            return "unhandled cuda error (run with NCCL_DEBUG=INFO for details)";
        case ncclSystemError:
            return "unhandled system error (run with NCCL_DEBUG=INFO for details)";
        case ncclInternalError:
            return "internal error - please report this issue to the NCCL developers";
        case ncclInvalidArgument:
            return "invalid argument (run with NCCL_DEBUG=WARN for details)";
        case ncclInvalidUsage:
            return "invalid usage (run with NCCL_DEBUG=WARN for details)";
        case ncclRemoteError:
            return "remote process exited or there was a network error";
        case ncclInProgress:
            return "NCCL operation in progress";
        default:
            return "unknown result code";
    }
}

NCCL_API const char* ncclGetLastError(void* comm) {
    return comm ? ((Comm*)comm)->last_error : last_error;
}

NCCL_API int ncclGetUniqueId(UniqueId* id) {
    if (!id) return fail(nullptr, ncclInvalidArgument, "ncclGetUniqueId: null id");
    std::random_device rd;
    uint64_t a = ((uint64_t)rd() << 32) ^ rd(), b = ((uint64_t)rd() << 32) ^ rd();
    memset(id->internal, 0, UNIQUE_ID_BYTES);
    snprintf(id->internal, UNIQUE_ID_BYTES, "%s/inrank-nccl-%d-%016llx%016llx", ID_PREFIX, (int)getpid(),
             (unsigned long long)a, (unsigned long long)b);
    return ncclSuccess;
}

// commId is passed by value, as in nccl.h.
NCCL_API int ncclCommInitRank(Comm** out, int nranks, UniqueId id, int rank) {
    const char* what = "ncclCommInitRank";
    if (!out) return fail(nullptr, ncclInvalidArgument, "%s: null communicator pointer", what);
    *out = nullptr;
    if (nranks < 1 || nranks > MAX_RANKS)
        return fail(nullptr, ncclInvalidArgument, "%s: nranks %d is not 1..%d", what, nranks, MAX_RANKS);
    if (rank < 0 || rank >= nranks)
        return fail(nullptr, ncclInvalidArgument, "%s: rank %d is not 0..%d", what, rank, nranks - 1);
    id.internal[UNIQUE_ID_BYTES - 1] = 0;
    if (strncmp(id.internal, ID_PREFIX, sizeof ID_PREFIX - 1) != 0)
        return fail(nullptr, ncclInvalidArgument, "%s: the unique id is not one the emulated ncclGetUniqueId made", what);
    Comm* c = (Comm*)calloc(1, sizeof(Comm));
    if (!c) return fail(nullptr, ncclSystemError, "%s: out of host memory", what);
    snprintf(c->name, sizeof c->name, "%s", id.internal + sizeof ID_PREFIX - 1);
    c->rank = rank;
    c->nranks = nranks;
    c->map_bytes = HEADER_BYTES + (size_t)nranks * CHUNK;
    int fd = shm_open(c->name, O_CREAT | O_RDWR, 0600);
    if (fd < 0) {
        Result r = fail(nullptr, ncclSystemError, "%s: shm_open %s: %s", what, c->name, strerror(errno));
        free(c);
        return r;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || ((size_t)st.st_size < c->map_bytes && ftruncate(fd, (off_t)c->map_bytes) != 0)) {
        Result r = fail(nullptr, ncclSystemError, "%s: sizing %s: %s", what, c->name, strerror(errno));
        close(fd);
        free(c);
        return r;
    }
    void* map = mmap(nullptr, c->map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        Result r = fail(nullptr, ncclSystemError, "%s: mmap %s: %s", what, c->name, strerror(errno));
        free(c);
        return r;
    }
    c->h = (Header*)map;
    c->slots = (char*)map + HEADER_BYTES;
    int32_t expected = 0;
    if (!c->h->nranks.compare_exchange_strong(expected, nranks) && expected != nranks) {
        munmap(map, c->map_bytes);
        free(c);
        return fail(nullptr, ncclInvalidUsage, "%s: rank %d says %d ranks, another rank said %d", what, rank, nranks,
                    expected);
    }
    c->h->magic = MAGIC;
    int32_t none = 0;
    if (!c->h->pid[rank].compare_exchange_strong(none, (int32_t)getpid())) {
        munmap(map, c->map_bytes);
        free(c);
        return fail(nullptr, ncclInvalidUsage, "%s: rank %d joined twice (pid %d is already rank %d)", what, rank,
                    (int)none, rank);
    }
    c->h->joined.fetch_add(1);
    Result r = wait_for(c, [&] { return c->h->joined.load() == nranks; }, what);
    if (r != ncclSuccess) {
        c->h->aborted.store(1);
        munmap(map, c->map_bytes);
        free(c);
        return r;
    }
    // every rank has the segment mapped: its name can go (nothing is left in /dev/shm, even after a crash)
    if (rank == 0) shm_unlink(c->name);
    {
        std::lock_guard<std::mutex> g(comms_lock);
        comms.insert(c);
    }
    *out = c;
    return ncclSuccess;
}

NCCL_API int ncclCommDestroy(Comm* c) {
    if (!c) return ncclSuccess;
    {
        std::lock_guard<std::mutex> g(comms_lock);
        comms.erase(c);
    }
    while (c->busy.load() > 0) {  // a queued collective still running (ncclCommAbort has already told it to stop)
        timespec pause{0, 1000000};
        nanosleep(&pause, nullptr);
    }
    munmap(c->h, c->map_bytes);
    free(c);
    return ncclSuccess;
}

NCCL_API int ncclCommAbort(Comm* c) {
    if (!c) return ncclSuccess;
    c->h->aborted.store(1);
    return ncclCommDestroy(c);
}

NCCL_API int ncclCommFinalize(Comm* c) {
    if (!c) return ncclInvalidArgument;
    return c->broken ? ncclRemoteError : barrier(c, "ncclCommFinalize");
}

// As NCCL's proxy thread notices a peer's closed connection without any collective in flight: a rank whose process has
// exited breaks the communicator here too (a watchdog polling this is how a trainer learns of it between collectives).
NCCL_API int ncclCommGetAsyncError(Comm* c, int* error) {
    if (!c || !error) return ncclInvalidArgument;
    if (!c->broken && !c->h->aborted.load()) {
        int d = dead_peer(c);
        if (d >= 0)
            fail(c, ncclRemoteError, "ncclCommGetAsyncError: rank %d (pid %d) has exited", d, (int)c->h->pid[d].load());
    }
    *error = c->broken ? ncclRemoteError : (c->h->aborted.load() ? ncclRemoteError : ncclSuccess);
    return ncclSuccess;
}

NCCL_API int ncclCommCount(const Comm* c, int* count) {
    if (!c || !count) return ncclInvalidArgument;
    *count = c->nranks;
    return ncclSuccess;
}

NCCL_API int ncclCommUserRank(const Comm* c, int* rank) {
    if (!c || !rank) return ncclInvalidArgument;
    *rank = c->rank;
    return ncclSuccess;
}

NCCL_API int ncclCommCuDevice(const Comm* c, int* device) {
    if (!c || !device) return ncclInvalidArgument;
    *device = 0;
    return ncclSuccess;
}

// Collectives run when issued (see the top), so a group only has to be balanced.
thread_local int group_depth = 0;

NCCL_API int ncclGroupStart(void) {
    group_depth++;
    return ncclSuccess;
}

NCCL_API int ncclGroupEnd(void) {
    if (group_depth == 0) return fail(nullptr, ncclInvalidUsage, "ncclGroupEnd without ncclGroupStart");
    group_depth--;
    return ncclSuccess;
}

NCCL_API int ncclAllReduce(const void* send, void* recv, size_t count, int type, int op, Comm* c, void* stream) {
    const char* what = "ncclAllReduce";
    size_t es = type_size(type);
    if (es == 0 || type == ncclFloat16)
        return fail(c, ncclInvalidArgument, "%s: data type %d is not emulated (float32, float64, bfloat16, integers)",
                    what, type);
    if (op < ncclSum || op > ncclAvg) return fail(c, ncclInvalidArgument, "%s: reduction %d is not emulated", what, op);
    bool floating = type == ncclFloat32 || type == ncclFloat64 || type == ncclBfloat16;
    if (op == ncclAvg && !floating) return fail(c, ncclInvalidArgument, "%s: ncclAvg needs a floating type", what);
    if (count > SIZE_MAX / 8) return fail(c, ncclInvalidArgument, "%s: count %zu overflows", what, count);
    Result r = check_call(c, send, recv, count * es, stream, what);
    if (r != ncclSuccess) return r;
    return on_stream(stream, c, what, [=] { return all_reduce(send, recv, count, type, es, op, c, what); });
}

NCCL_API int ncclBroadcast(const void* send, void* recv, size_t count, int type, int root, Comm* c, void* stream) {
    const char* what = "ncclBroadcast";
    size_t es = type_size(type);
    if (es == 0) return fail(c, ncclInvalidArgument, "%s: data type %d is unknown", what, type);
    if (c && (root < 0 || root >= c->nranks))
        return fail(c, ncclInvalidArgument, "%s: root %d is not a rank", what, root);
    if (count > SIZE_MAX / 8) return fail(c, ncclInvalidArgument, "%s: count %zu overflows", what, count);
    Result r = check_call(c, c && c->rank == root ? send : nullptr, recv, count * es, stream, what);
    if (r != ncclSuccess) return r;
    return on_stream(stream, c, what, [=] { return broadcast(send, recv, count, es, root, c, what); });
}

NCCL_API int ncclBcast(void* buff, size_t count, int type, int root, Comm* c, void* stream) {
    return ncclBroadcast(buff, buff, count, type, root, c, stream);
}
