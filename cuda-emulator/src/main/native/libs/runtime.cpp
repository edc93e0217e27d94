// libcudart.so.13, the runtime API of the emulated device: device selection and queries, memory with its checks,
// copies and fills in every direction (a "device" side must be emulated device memory, a "host" side must not),
// streams and events. Work on a stream runs when it is issued, so cudaStreamSynchronize only reports the context's
// error.
#include <chrono>
#include <cstring>
#include <mutex>
#include <set>

#include "../core/emu.h"
#include "image.h"

typedef int cudaError_t;

namespace {
thread_local int last_error = 0;  // cudaGetLastError's

int note(int e) {
    if (e != 0) last_error = e;
    return e;
}

#define STICKY()                                        \
    do {                                                \
        if (int s = emu_sticky_error()) return note(s); \
    } while (0)

enum Kind { H2H = 0, H2D = 1, D2H = 2, D2D = 3, DEFAULT = 4 };

// The two sides of a copy, checked for its direction; cudaMemcpyDefault infers each side from the pointer.
int check_sides(void* dst, const void* src, size_t bytes, int kind, const char* call) {
    if (kind < H2H || kind > DEFAULT) return EMU_INVALID_VALUE;
    bool dst_device = kind == H2D || kind == D2D, src_device = kind == D2H || kind == D2D;
    if (kind == DEFAULT) {
        dst_device = emu_is_device(dst);
        src_device = emu_is_device(src);
    }
    char what[96];
    if (dst_device) {
        snprintf(what, sizeof what, "%s destination", call);
        if (!emu_check_device(dst, bytes, what)) return EMU_INVALID_VALUE;
    } else if (emu_is_device(dst)) {
        emu_log("%s: the destination %p is device memory but the copy kind says host", call, dst);
        return EMU_INVALID_VALUE;
    }
    if (src_device) {
        snprintf(what, sizeof what, "%s source", call);
        if (!emu_check_device(src, bytes, what)) return EMU_INVALID_VALUE;
    } else if (emu_is_device(src)) {
        emu_log("%s: the source %p is device memory but the copy kind says host", call, src);
        return EMU_INVALID_VALUE;
    }
    return EMU_SUCCESS;
}
}  // namespace

extern "C" {

cudaError_t cudaGetDeviceCount(int* n) {
    if (!n) return note(EMU_INVALID_VALUE);
    *n = 1;
    return EMU_SUCCESS;
}

cudaError_t cudaSetDevice(int d) { return note(d == 0 ? EMU_SUCCESS : EMU_INVALID_DEVICE); }

cudaError_t cudaGetDevice(int* d) {
    if (!d) return note(EMU_INVALID_VALUE);
    *d = 0;
    return EMU_SUCCESS;
}

cudaError_t cudaDeviceGetAttribute(int* value, int attribute, int d) {
    if (d != 0) return note(EMU_INVALID_DEVICE);
    return note(emu_device_attribute(value, attribute) ? EMU_SUCCESS : EMU_INVALID_VALUE);
}

cudaError_t cudaRuntimeGetVersion(int* v) {
    if (!v) return note(EMU_INVALID_VALUE);
    *v = EMU_CUDA_VERSION;
    return EMU_SUCCESS;
}

cudaError_t cudaDriverGetVersion(int* v) {
    if (!v) return note(EMU_INVALID_VALUE);
    *v = EMU_CUDA_VERSION;
    return EMU_SUCCESS;
}

const char* cudaGetErrorString(cudaError_t e) { return emu_error_string(e); }
const char* cudaGetErrorName(cudaError_t e) { return emu_error_name(e); }

cudaError_t cudaGetLastError(void) {
    int e = last_error;
    last_error = 0;
    return emu_sticky_error() ? emu_sticky_error() : e;
}

cudaError_t cudaPeekAtLastError(void) { return emu_sticky_error() ? emu_sticky_error() : last_error; }

cudaError_t cudaDeviceSynchronize(void) {
    if (int e = emu_flush_all()) return note(e);
    return note(emu_sticky_error());
}

cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total) {
    STICKY();
    if (!free_bytes || !total) return note(EMU_INVALID_VALUE);
    *total = emu_total_memory();
    *free_bytes = *total - emu_used_memory();
    return EMU_SUCCESS;
}

cudaError_t cudaMalloc(void** p, size_t bytes) {
    STICKY();
    return note(emu_malloc(p, bytes));
}

cudaError_t cudaFree(void* p) {
    STICKY();
    if (int e = emu_flush_all()) return note(e);  // as cudaFree: the device's work is done first
    return note(emu_free(p));
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, int kind, void* stream) {
    STICKY();
    if (!emu_stream_valid(stream)) return note(EMU_INVALID_HANDLE);
    if (int e = emu_stream_flush(stream, UINT64_MAX)) return note(e);  // the stream's earlier work first
    if (bytes == 0) return EMU_SUCCESS;
    if (int e = check_sides(dst, src, bytes, kind, "cudaMemcpyAsync")) return note(e);
    memmove(dst, src, bytes);
    return EMU_SUCCESS;
}

cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, int kind) {
    return cudaMemcpyAsync(dst, src, bytes, kind, nullptr);
}

cudaError_t cudaMemcpy2DAsync(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height,
                              int kind, void* stream) {
    STICKY();
    if (!emu_stream_valid(stream)) return note(EMU_INVALID_HANDLE);
    if (int e = emu_stream_flush(stream, UINT64_MAX)) return note(e);
    if (width == 0 || height == 0) return EMU_SUCCESS;
    if (width > dpitch || width > spitch) return note(EMU_INVALID_PITCH);
    // the spans the copy touches: (height - 1) pitches plus one row
    const size_t dspan = (height - 1) * dpitch + width, sspan = (height - 1) * spitch + width;
    if (dspan / dpitch < height - 1 || sspan / spitch < height - 1) return note(EMU_INVALID_VALUE);
    if (int e = check_sides(dst, src, 0, kind, "cudaMemcpy2DAsync")) return note(e);
    bool dst_device = kind == H2D || kind == D2D || (kind == DEFAULT && emu_is_device(dst));
    bool src_device = kind == D2H || kind == D2D || (kind == DEFAULT && emu_is_device(src));
    if (dst_device && !emu_check_device(dst, dspan, "cudaMemcpy2DAsync destination")) return note(EMU_INVALID_VALUE);
    if (src_device && !emu_check_device(src, sspan, "cudaMemcpy2DAsync source")) return note(EMU_INVALID_VALUE);
    for (size_t r = 0; r < height; r++) memmove((char*)dst + r * dpitch, (const char*)src + r * spitch, width);
    return EMU_SUCCESS;
}

cudaError_t cudaMemcpy2D(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height,
                         int kind) {
    return cudaMemcpy2DAsync(dst, dpitch, src, spitch, width, height, kind, nullptr);
}

cudaError_t cudaMemsetAsync(void* dst, int value, size_t bytes, void* stream) {
    STICKY();
    if (!emu_stream_valid(stream)) return note(EMU_INVALID_HANDLE);
    if (int e = emu_stream_flush(stream, UINT64_MAX)) return note(e);
    if (bytes == 0) return EMU_SUCCESS;
    if (!emu_check_device(dst, bytes, "cudaMemsetAsync")) return note(EMU_INVALID_VALUE);
    memset(dst, value, bytes);
    return EMU_SUCCESS;
}

cudaError_t cudaMemset(void* dst, int value, size_t bytes) { return cudaMemsetAsync(dst, value, bytes, nullptr); }

cudaError_t cudaStreamCreateWithFlags(void** stream, unsigned flags) {
    STICKY();
    if (!stream || flags > 1) return note(EMU_INVALID_VALUE);
    *stream = emu_stream_create(flags);
    return EMU_SUCCESS;
}

cudaError_t cudaStreamCreate(void** stream) { return cudaStreamCreateWithFlags(stream, 0); }

cudaError_t cudaStreamDestroy(void* stream) { return note(emu_stream_destroy(stream)); }

cudaError_t cudaStreamSynchronize(void* stream) {
    if (!emu_stream_valid(stream)) return note(EMU_INVALID_HANDLE);
    if (int e = emu_stream_flush(stream, UINT64_MAX)) return note(e);
    return note(emu_sticky_error());
}

// ---- events: a record marks the time its stream reaches it; work runs when it is issued, so that is "now" and waits
// have nothing to wait for; on a deferring stream (emu.h) the record is queued, and a wait on it, or its query, time or
// synchronize, first runs that stream up to it. Elapsed times are the host's time between two records (a collective
// that waited for its peers included) ----
namespace {
enum EventFlag : unsigned { BLOCKING_SYNC = 1, DISABLE_TIMING = 2, INTERPROCESS = 4 };
struct Event {
    unsigned flags;
    bool recorded;
    std::chrono::steady_clock::time_point at;
    void* stream;    // the deferring stream its last record is queued on (null: recorded when issued)
    uint64_t place;  // that record's number in the stream's queue
};
std::mutex events_lock;
std::set<Event*> events;

Event* live_event(void* e) {
    std::lock_guard<std::mutex> g(events_lock);
    return events.count((Event*)e) ? (Event*)e : nullptr;
}

// The work before the event's last record has run.
int reach(Event* e) { return e->stream ? emu_stream_flush(e->stream, e->place) : EMU_SUCCESS; }
}  // namespace

cudaError_t cudaEventCreateWithFlags(void** event, unsigned flags) {
    STICKY();
    if (!event || (flags & ~(BLOCKING_SYNC | DISABLE_TIMING | INTERPROCESS)) != 0) return note(EMU_INVALID_VALUE);
    if ((flags & INTERPROCESS) && !(flags & DISABLE_TIMING)) return note(EMU_INVALID_VALUE);  // as CUDA requires
    Event* e = new Event{flags, false, {}, nullptr, 0};
    std::lock_guard<std::mutex> g(events_lock);
    events.insert(e);
    *event = e;
    return EMU_SUCCESS;
}

cudaError_t cudaEventCreate(void** event) { return cudaEventCreateWithFlags(event, 0); }

cudaError_t cudaEventRecordWithFlags(void* event, void* stream, unsigned flags) {
    STICKY();
    Event* e = live_event(event);
    if (!e || !emu_stream_valid(stream)) return note(EMU_INVALID_HANDLE);
    if (flags > 1) return note(EMU_INVALID_VALUE);  // cudaEventRecordDefault, cudaEventRecordExternal
    auto mark = [e] {
        e->recorded = true;
        e->at = std::chrono::steady_clock::now();
        return EMU_SUCCESS;
    };
    if (!emu_stream_defers(stream)) {
        e->stream = nullptr;
        return mark();
    }
    emu_stream_submit(stream, mark);
    e->stream = stream;
    e->place = emu_stream_submitted(stream);
    return EMU_SUCCESS;
}

cudaError_t cudaEventRecord(void* event, void* stream) { return cudaEventRecordWithFlags(event, stream, 0); }

cudaError_t cudaStreamWaitEvent(void* stream, void* event, unsigned flags) {
    STICKY();
    Event* e = live_event(event);
    if (!e || !emu_stream_valid(stream)) return note(EMU_INVALID_HANDLE);
    if (flags > 1) return note(EMU_INVALID_VALUE);  // cudaEventWaitDefault, cudaEventWaitExternal
    if (!e->stream) return EMU_SUCCESS;             // recorded when issued: nothing to wait for
    void* on = e->stream;
    uint64_t place = e->place;
    return note(emu_stream_submit(stream, [on, place] { return emu_stream_flush(on, place); }));
}

cudaError_t cudaEventQuery(void* event) {
    Event* e = live_event(event);
    if (!e) return note(EMU_INVALID_HANDLE);
    if (int s = reach(e)) return note(s);
    return note(emu_sticky_error());
}

cudaError_t cudaEventSynchronize(void* event) { return cudaEventQuery(event); }

// As CUDA: both events recorded, neither made with cudaEventDisableTiming; the end may precede the start (negative).
cudaError_t cudaEventElapsedTime(float* ms, void* start, void* end) {
    STICKY();
    if (!ms) return note(EMU_INVALID_VALUE);
    Event *a = live_event(start), *b = live_event(end);
    if (a && b) {
        if (int s = reach(a)) return note(s);
        if (int s = reach(b)) return note(s);
    }
    if (!a || !b || (a->flags & DISABLE_TIMING) || (b->flags & DISABLE_TIMING) || !a->recorded || !b->recorded)
        return note(EMU_INVALID_HANDLE);
    *ms = std::chrono::duration<float, std::milli>(b->at - a->at).count();
    return EMU_SUCCESS;
}

cudaError_t cudaEventDestroy(void* event) {
    if (Event* e = live_event(event)) reach(e);  // a queued record still marks it
    std::lock_guard<std::mutex> g(events_lock);
    if (!events.erase((Event*)event)) return note(EMU_INVALID_HANDLE);
    delete (Event*)event;
    return EMU_SUCCESS;
}
}
