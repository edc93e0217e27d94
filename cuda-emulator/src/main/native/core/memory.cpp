// Device memory of the emulated GPU. Each cudaMalloc is its own mapping, laid out so that the allocation ends at the
// next 256-byte boundary before a PROT_NONE guard page (and starts after another): a kernel that runs past an end
// faults at once; the few bytes between the end and that boundary hold a canary checked after every launch and copy.
// Freed ranges are unmapped and remembered, so a use after free is named as such. Everything is checked under one
// lock; the emulated device is one process-wide object, like a GPU context.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>

#include "emu.h"

namespace {
constexpr size_t PAGE = 4096, ALIGN = 256;
constexpr unsigned char CANARY = 0xCD;

struct Alloc {
    uintptr_t base;   // what cudaMalloc returned
    size_t bytes;     // what was asked
    void* map;        // the whole mapping, guards included
    size_t map_bytes;
};

std::mutex lock;
std::map<uintptr_t, Alloc> live;                     // by base
std::deque<std::pair<uintptr_t, size_t>> freed;      // recently freed ranges, for messages
size_t used = 0;

size_t round_up(size_t x, size_t to) { return (x + to - 1) / to * to; }

const Alloc* containing(uintptr_t p) {
    auto it = live.upper_bound(p);
    if (it == live.begin()) return nullptr;
    --it;
    const Alloc& a = it->second;
    // an address in the padding up to the 256-byte boundary still belongs to no valid element: not "inside"
    return p < a.base + a.bytes ? &a : nullptr;
}

void describe(uintptr_t p, size_t bytes, const char* what) {
    auto it = live.upper_bound(p);
    if (it != live.begin()) {
        --it;
        const Alloc& a = it->second;
        if (p >= a.base && p < a.base + round_up(a.bytes, ALIGN) + PAGE) {  // the padding or the guard page after it
            emu_log("%s: %zu bytes at %#lx run %zu bytes past the end of the %zu-byte allocation at %#lx", what, bytes,
                    (unsigned long)p, (size_t)(p + bytes - (a.base + a.bytes)), a.bytes, (unsigned long)a.base);
            return;
        }
    }
    for (auto& f : freed)
        if (p >= f.first && p < f.first + f.second) {
            emu_log("%s: %#lx is in freed device memory (the %zu-byte allocation at %#lx)", what, (unsigned long)p,
                    f.second, (unsigned long)f.first);
            return;
        }
    emu_log("%s: %#lx is not device memory (a host pointer, or never allocated)", what, (unsigned long)p);
}
}  // namespace

EMU_API size_t emu_total_memory(void) {
    static size_t total = [] {
        const char* v = getenv("INRANK_CUDA_EMULATION_MEMORY");
        size_t gib = 4;
        if (v && *v) {
            char* end = nullptr;
            unsigned long n = strtoul(v, &end, 10);
            if (end && *end == 0 && n >= 1 && n <= 1024) gib = n;
            else emu_log("INRANK_CUDA_EMULATION_MEMORY='%s' is not a whole number of GiB in 1..1024; using 4", v);
        }
        return gib << 30;
    }();
    return total;
}

EMU_API size_t emu_used_memory(void) {
    std::lock_guard<std::mutex> g(lock);
    return used;
}

EMU_API int emu_malloc(void** ptr, size_t bytes) {
    if (!ptr) return EMU_INVALID_VALUE;
    *ptr = nullptr;
    if (bytes == 0) return EMU_SUCCESS;
    std::lock_guard<std::mutex> g(lock);
    size_t body = round_up(bytes, ALIGN);
    if (bytes > emu_total_memory() || used + body > emu_total_memory()) return EMU_OUT_OF_MEMORY;
    size_t span = round_up(body, PAGE);
    size_t map_bytes = span + 2 * PAGE;
    void* m = mmap(nullptr, map_bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return EMU_OUT_OF_MEMORY;
    char* usable = (char*)m + PAGE;
    if (mprotect(usable, span, PROT_READ | PROT_WRITE) != 0) {
        munmap(m, map_bytes);
        return EMU_OUT_OF_MEMORY;
    }
    uintptr_t base = (uintptr_t)(usable + span - body);  // the 256-aligned body ends at the trailing guard page
    memset((void*)(base + bytes), CANARY, body - bytes);
    live[base] = Alloc{base, bytes, m, map_bytes};
    used += body;
    *ptr = (void*)base;
    return EMU_SUCCESS;
}

EMU_API int emu_free(void* ptr) {
    if (!ptr) return EMU_SUCCESS;
    std::lock_guard<std::mutex> g(lock);
    auto it = live.find((uintptr_t)ptr);
    if (it == live.end()) {
        describe((uintptr_t)ptr, 0, "cudaFree");
        return EMU_INVALID_VALUE;
    }
    Alloc a = it->second;
    live.erase(it);
    used -= round_up(a.bytes, ALIGN);
    munmap(a.map, a.map_bytes);
    freed.emplace_back(a.base, a.bytes);
    if (freed.size() > 4096) freed.pop_front();
    return EMU_SUCCESS;
}

EMU_API bool emu_check_device(const void* p, size_t bytes, const char* what) {
    std::lock_guard<std::mutex> g(lock);
    uintptr_t u = (uintptr_t)p;
    const Alloc* a = containing(u);
    if (a && (bytes == 0 || u + bytes <= a->base + a->bytes)) return true;
    describe(u, bytes, what);
    return false;
}

EMU_API void emu_describe_fault(const void* p, const char* what) {
    std::lock_guard<std::mutex> g(lock);
    const uintptr_t u = (uintptr_t)p;
    for (auto& [base, a] : live) {
        const uintptr_t end = base + a.bytes;
        if (u >= end && u < base + round_up(a.bytes, ALIGN) + PAGE) {  // the padding or the trailing guard page
            emu_log("%s: %p is at offset %zu past the end of the %zu-byte allocation at %#lx", what, p,
                    (size_t)(u - end), a.bytes, (unsigned long)base);
            return;
        }
        if (u < base && u >= (uintptr_t)a.map) {  // the leading guard page (and the unused start of the mapping)
            emu_log("%s: %p is %zu bytes before the %zu-byte allocation at %#lx", what, p, (size_t)(base - u), a.bytes,
                    (unsigned long)base);
            return;
        }
    }
    describe(u, 0, what);
}

EMU_API bool emu_is_device(const void* p) {
    std::lock_guard<std::mutex> g(lock);
    return containing((uintptr_t)p) != nullptr;
}

EMU_API bool emu_check_canaries(const char* after) {
    std::lock_guard<std::mutex> g(lock);
    bool ok = true;
    for (auto& [base, a] : live) {
        const unsigned char* c = (const unsigned char*)(base + a.bytes);
        size_t n = round_up(a.bytes, ALIGN) - a.bytes;
        size_t last = n;  // the last overwritten byte of the canary
        for (size_t i = 0; i < n; i++)
            if (c[i] != CANARY) last = i;
        if (last == n) continue;
        emu_log("%s wrote %zu byte(s) past the end of the %zu-byte allocation at %#lx", after, last + 1, a.bytes,
                (unsigned long)base);
        memset((void*)c, CANARY, n);
        ok = false;
    }
    return ok;
}

// ---- diagnostics and the sticky error ----
namespace {
std::mutex log_lock;
int sticky = 0;
}  // namespace

EMU_API void emu_log(const char* fmt, ...) {
    std::lock_guard<std::mutex> g(log_lock);
    fputs("emulated CUDA: ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

EMU_API int emu_unsupported(const char* name, int code) {
    static std::mutex m;
    static std::map<std::string, bool> said;
    {
        std::lock_guard<std::mutex> g(m);
        if (said[name]) return code;
        said[name] = true;
    }
    emu_log("%s is not supported by the emulation (returns %d)", name, code);
    return code;
}

EMU_API int emu_sticky_error(void) { return __atomic_load_n(&sticky, __ATOMIC_ACQUIRE); }
EMU_API void emu_set_sticky(int code) { __atomic_store_n(&sticky, code, __ATOMIC_RELEASE); }

EMU_API const char* emu_error_name(int code) {
    switch (code) {
        case EMU_SUCCESS: return "CUDA_SUCCESS";
        case EMU_INVALID_VALUE: return "CUDA_ERROR_INVALID_VALUE";
        case EMU_OUT_OF_MEMORY: return "CUDA_ERROR_OUT_OF_MEMORY";
        case EMU_NOT_INITIALIZED: return "CUDA_ERROR_NOT_INITIALIZED";
        case EMU_INVALID_PITCH: return "cudaErrorInvalidPitchValue";
        case EMU_INVALID_DEVICE: return "CUDA_ERROR_INVALID_DEVICE";
        case EMU_INVALID_IMAGE: return "CUDA_ERROR_INVALID_IMAGE";
        case EMU_INVALID_CONTEXT: return "CUDA_ERROR_INVALID_CONTEXT";
        case EMU_INVALID_HANDLE: return "CUDA_ERROR_INVALID_HANDLE";
        case EMU_NOT_FOUND: return "CUDA_ERROR_NOT_FOUND";
        case EMU_ILLEGAL_ADDRESS: return "CUDA_ERROR_ILLEGAL_ADDRESS";
        case EMU_LAUNCH_OUT_OF_RESOURCES: return "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES";
        case EMU_LAUNCH_FAILED: return "CUDA_ERROR_LAUNCH_FAILED";
        case EMU_NOT_SUPPORTED: return "CUDA_ERROR_NOT_SUPPORTED";
        default: return "CUDA_ERROR_UNKNOWN";
    }
}

EMU_API const char* emu_error_string(int code) {
    switch (code) {
        case EMU_SUCCESS: return "no error";
        case EMU_INVALID_VALUE: return "invalid argument";
        case EMU_OUT_OF_MEMORY: return "out of memory";
        case EMU_NOT_INITIALIZED: return "initialization error";
        case EMU_INVALID_PITCH: return "invalid pitch argument";
        case EMU_INVALID_DEVICE: return "invalid device ordinal";
        case EMU_INVALID_IMAGE: return "device kernel image is invalid";
        case EMU_INVALID_CONTEXT: return "invalid device context";
        case EMU_INVALID_HANDLE: return "invalid resource handle";
        case EMU_NOT_FOUND: return "named symbol not found";
        case EMU_ILLEGAL_ADDRESS: return "an illegal memory access was encountered";
        case EMU_LAUNCH_OUT_OF_RESOURCES: return "too many resources requested for launch";
        case EMU_LAUNCH_FAILED: return "unspecified launch failure";
        case EMU_NOT_SUPPORTED: return "operation not supported";
        default: return "unknown error";
    }
}

// ---- the context, the streams, the emulator's home ----
#include <dlfcn.h>

#include <set>
#include <vector>

namespace {
struct Context {
    char tag[16] = "emulated ctx";
} primary;
struct Stream {
    unsigned flags = 0;
    std::recursive_mutex lock;  // held while its queue runs: an item may flush another stream, or this one
    std::deque<std::pair<uint64_t, EmuWork>> queue;
    uint64_t submitted = 0;
};
std::mutex streams_lock;
std::set<const void*> streams;

Stream* live_stream(const void* stream) {
    std::lock_guard<std::mutex> g(streams_lock);
    return streams.count(stream) ? (Stream*)stream : nullptr;
}

// Which created streams defer (emu.h): none, every one, the process's first (a backend's compute stream), or the others.
enum Deferred { NONE, ALL, FIRST, OTHERS };
Deferred deferred_mode() {
    static const Deferred m = [] {
        const char* v = getenv("INRANK_CUDA_EMULATION_DEFERRED");
        if (!v || !*v) return NONE;
        Deferred d = !strcmp(v, "all") ? ALL : !strcmp(v, "first") ? FIRST : !strcmp(v, "others") ? OTHERS : NONE;
        if (d == NONE) emu_log("INRANK_CUDA_EMULATION_DEFERRED=%s: expected all, first or others; no stream defers", v);
        else emu_log("deferred streams (%s): held back until something waits for them", v);
        return d;
    }();
    return m;
}
const void* first_stream = nullptr;  // the first stream this process created

Stream* deferring(const void* stream) {
    Deferred m = deferred_mode();
    if (m == NONE) return nullptr;
    Stream* s = live_stream(stream);
    if (!s || m == ALL) return s;
    std::lock_guard<std::mutex> g(streams_lock);
    return (m == FIRST) == (stream == first_stream) ? s : nullptr;
}
}  // namespace

EMU_API void* emu_primary_context(void) { return &primary; }

EMU_API void* emu_stream_create(unsigned flags) {
    Stream* s = new Stream();
    s->flags = flags;
    std::lock_guard<std::mutex> g(streams_lock);
    streams.insert(s);
    if (!first_stream) first_stream = s;
    return s;
}

EMU_API int emu_stream_destroy(void* stream) {
    if (!live_stream(stream)) return EMU_INVALID_HANDLE;
    emu_stream_flush(stream, UINT64_MAX);  // as CUDA: the work issued before the destroy still runs
    std::lock_guard<std::mutex> g(streams_lock);
    if (!streams.erase(stream)) return EMU_INVALID_HANDLE;
    delete (Stream*)stream;
    return EMU_SUCCESS;
}

EMU_CXX bool emu_stream_defers(const void* stream) { return deferring(stream) != nullptr; }

EMU_CXX int emu_stream_submit(void* stream, EmuWork work) {
    Stream* s = deferring(stream);
    if (!s) return work();
    std::lock_guard<std::recursive_mutex> g(s->lock);
    s->queue.emplace_back(++s->submitted, std::move(work));
    return EMU_SUCCESS;
}

EMU_CXX uint64_t emu_stream_submitted(const void* stream) {
    Stream* s = deferring(stream);
    if (!s) return 0;
    std::lock_guard<std::recursive_mutex> g(s->lock);
    return s->submitted;
}

EMU_CXX int emu_stream_flush(void* stream, uint64_t through) {
    Stream* s = live_stream(stream);
    if (!s) return EMU_SUCCESS;  // the default streams hold nothing
    std::lock_guard<std::recursive_mutex> g(s->lock);
    while (!s->queue.empty() && s->queue.front().first <= through) {
        EmuWork w = std::move(s->queue.front().second);
        s->queue.pop_front();
        if (int e = w()) {
            s->queue.clear();
            if (!emu_sticky_error()) emu_set_sticky(e == EMU_ILLEGAL_ADDRESS ? e : EMU_LAUNCH_FAILED);
            return e;
        }
    }
    return EMU_SUCCESS;
}

EMU_CXX int emu_flush_all(void) {
    std::vector<const void*> all;
    {
        std::lock_guard<std::mutex> g(streams_lock);
        all.assign(streams.begin(), streams.end());
    }
    for (const void* s : all)
        if (int e = emu_stream_flush((void*)s, UINT64_MAX)) return e;
    return EMU_SUCCESS;
}

EMU_API bool emu_stream_valid(const void* stream) {
    if (stream == nullptr || stream == (const void*)0x1 || stream == (const void*)0x2) return true;
    std::lock_guard<std::mutex> g(streams_lock);
    return streams.count(stream) > 0;
}

EMU_API const char* emu_home(void) {
    static std::string home = [] {
        Dl_info info;
        if (!dladdr((void*)&emu_home, &info) || !info.dli_fname) return std::string(".");
        std::string f = info.dli_fname;
        size_t slash = f.rfind('/');
        return slash == std::string::npos ? std::string(".") : f.substr(0, slash);
    }();
    return home.c_str();
}
