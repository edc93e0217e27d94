// The emulated SMs: a grid runs block after block on the calling thread; each CUDA thread of a block is a fiber with
// its own stack. A fiber runs until it reaches __syncthreads, a warp operation (shuffle, vote, __syncwarp) or its end,
// then the scheduler moves to the next fiber that may go on. So barrier semantics are real (a thread passes
// __syncthreads only when every live thread of its block has arrived, a shuffle only when every lane in its mask has),
// and a barrier nobody can pass is reported as a deadlock instead of hanging. A fault inside a kernel (a guard page, a
// wild pointer, a fiber's stack overflow) ends the launch with CUDA_ERROR_ILLEGAL_ADDRESS, sticky, as on a GPU.
#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include "../include/emu_abi.h"
#include "emu.h"

extern "C" void emu_fiber_switch(void** save_sp, void* next_sp);
extern "C" void emu_fiber_start();

namespace {
constexpr unsigned MAX_THREADS = 1024, MAX_WARPS = MAX_THREADS / 32;
constexpr size_t STACK = 256 * 1024, GUARD = 4096;

enum Wait : unsigned char { NOT_STARTED, RUNNABLE, AT_BLOCK_BARRIER, AT_WARP_BARRIER, DONE };

struct Fiber {
    void* sp;
    Wait wait;
    unsigned gen;
    int stack;  // index of the stack it runs on, -1 before it starts and after it ends
};

struct WarpState {
    unsigned present, exited, arrived, mask, gen;
    unsigned long long slots[64];  // two banks of 32 (emu_exchange)
};

struct Block {
    const EmuKernelInfo* kernel;
    void** params;
    EmuThread** current;
    unsigned threads, live, arrived, gen;
    unsigned cur;
    void* scheduler_sp;
    std::string error;  // set by a trap: the launch fails with it
    bool exited_before_barrier;
    Fiber fibers[MAX_THREADS];
    EmuThread state[MAX_THREADS];
    WarpState warps[MAX_WARPS];
    // stacks not in use: a fiber takes one when it starts and gives it back when it ends, so threads that never wait
    // (elementwise kernels) all run on the same, cache-warm stack
    int free_stacks[MAX_THREADS];
    int free_count;
};

std::mutex launch_lock;  // one grid at a time, like one stream on one device
Block* B = nullptr;      // the block that runs now (under launch_lock)
char* stacks = nullptr;  // MAX_THREADS stacks, each above a guard page

// ---- faults inside a kernel ----
sigjmp_buf fault_jump;
volatile sig_atomic_t in_kernel = 0;
pthread_t kernel_thread;
void* volatile fault_address = nullptr;
struct sigaction previous_segv, previous_bus;

void chain(const struct sigaction& old, int sig, siginfo_t* info, void* uc) {
    if (old.sa_flags & SA_SIGINFO) {
        if (old.sa_sigaction) old.sa_sigaction(sig, info, uc);
    } else if (old.sa_handler == SIG_DFL) {
        signal(sig, SIG_DFL);
        raise(sig);
    } else if (old.sa_handler != SIG_IGN) {
        old.sa_handler(sig);
    }
}

void on_fault(int sig, siginfo_t* info, void* uc) {
    if (in_kernel && pthread_equal(pthread_self(), kernel_thread)) {
        fault_address = info->si_addr;
        in_kernel = 0;
        siglongjmp(fault_jump, 1);
    }
    chain(sig == SIGSEGV ? previous_segv : previous_bus, sig, info, uc);  // the JVM's own faults stay the JVM's
}

void install_fault_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_fault;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGSEGV, &sa, &previous_segv);
        sigaction(SIGBUS, &sa, &previous_bus);
    });
}

// ---- the scheduler's hooks, called from kernel code ----
void yield_to_scheduler() {
    Fiber& f = B->fibers[B->cur];
    emu_fiber_switch(&f.sp, B->scheduler_sp);
}

[[noreturn]] void trap(const std::string& why) {
    if (B->error.empty()) B->error = why;
    B->fibers[B->cur].wait = DONE;
    yield_to_scheduler();
    __builtin_unreachable();
}

void release_block_barrier() {
    B->gen++;
    B->arrived = 0;
}

void rt_syncthreads() {
    if (B->threads != B->live) B->exited_before_barrier = true;
    if (++B->arrived == B->live) {
        release_block_barrier();
        return;
    }
    Fiber& f = B->fibers[B->cur];
    f.wait = AT_BLOCK_BARRIER;
    f.gen = B->gen;
    yield_to_scheduler();
}

void rt_syncwarp(unsigned mask) {
    const EmuThread& t = B->state[B->cur];
    WarpState& w = B->warps[t.warp];
    const unsigned bit = 1u << t.lane;
    char why[200];
    if (!(mask & bit)) {
        snprintf(why, sizeof why, "lane %u of warp %u used mask %#x, which does not name it", t.lane, t.warp, mask);
        trap(why);
    }
    if ((mask & w.present) != mask) {
        snprintf(why, sizeof why, "mask %#x names lanes that warp %u does not have (it has %#x)", mask, t.warp,
                 w.present);
        trap(why);
    }
    if (mask & w.exited) {
        snprintf(why, sizeof why, "mask %#x names lanes of warp %u that have exited (%#x)", mask, t.warp,
                 mask & w.exited);
        trap(why);
    }
    if (w.arrived == 0) w.mask = mask;
    else if (w.mask != mask) {
        snprintf(why, sizeof why, "lanes of warp %u meet with different masks (%#x and %#x)", t.warp, w.mask, mask);
        trap(why);
    }
    w.arrived |= bit;
    if (w.arrived == mask) {
        w.gen++;
        w.arrived = 0;
        return;
    }
    Fiber& f = B->fibers[B->cur];
    f.wait = AT_WARP_BARRIER;
    f.gen = w.gen;
    yield_to_scheduler();
}

unsigned long long* rt_warp_slots() { return B->warps[B->state[B->cur].warp].slots; }

void rt_trap(const char* why) { trap(std::string("kernel trap: ") + why); }

void fiber_main(void*) {
    B->kernel->entry(B->params);
    Fiber& f = B->fibers[B->cur];
    const EmuThread& t = B->state[B->cur];
    f.wait = DONE;
    B->free_stacks[B->free_count++] = f.stack;  // reused only after this fiber has switched away for good
    f.stack = -1;
    B->live--;
    B->warps[t.warp].exited |= 1u << t.lane;
    if (B->arrived > 0 && B->arrived == B->live) release_block_barrier();
    yield_to_scheduler();
}

void start_fiber(unsigned i) {
    // the frame emu_fiber_switch pops: r15, r14, r13 (function), r12 (argument), rbx, rbp, return address; after it
    // the stack pointer is 16-byte aligned, as emu_fiber_start's call needs
    const int stack = B->free_stacks[--B->free_count];
    char* top = stacks + (size_t)(stack + 1) * (STACK + GUARD);
    uint64_t* sp = (uint64_t*)top - 9;  // 7 words popped: the stack pointer ends at top - 16
    sp[0] = 0;                        // r15
    sp[1] = 0;                        // r14
    sp[2] = (uint64_t)&fiber_main;    // r13
    sp[3] = 0;                        // r12
    sp[4] = 0;                        // rbx
    sp[5] = 0;                        // rbp
    sp[6] = (uint64_t)&emu_fiber_start;
    B->fibers[i] = Fiber{sp, RUNNABLE, 0, stack};
}

bool may_run(const Fiber& f, unsigned i) {
    switch (f.wait) {
        case NOT_STARTED: return true;
        case RUNNABLE: return true;
        case AT_BLOCK_BARRIER: return f.gen != B->gen;
        case AT_WARP_BARRIER: return f.gen != B->warps[B->state[i].warp].gen;
        default: return false;
    }
}

std::string deadlock_report() {
    unsigned at_block = 0, at_warp = 0;
    for (unsigned i = 0; i < B->threads; i++) {
        if (B->fibers[i].wait == AT_BLOCK_BARRIER) at_block++;
        if (B->fibers[i].wait == AT_WARP_BARRIER) at_warp++;
    }
    char why[240];
    snprintf(why, sizeof why,
             "deadlock in block (%u, %u, %u): %u thread(s) wait at __syncthreads, %u at a warp operation, %u exited",
             B->state[0].blockIdx.x, B->state[0].blockIdx.y, B->state[0].blockIdx.z, at_block, at_warp,
             B->threads - B->live);
    return why;
}

// One block: every fiber from its start to its end; false with B->error set when it cannot finish.
bool run_block(uint3 block, dim3 grid, dim3 dims) {
    const unsigned n = dims.x * dims.y * dims.z;
    B->threads = B->live = n;
    B->arrived = 0;
    B->gen = 0;
    for (unsigned w = 0; w < (n + 31) / 32; w++) {
        const unsigned lanes = n - w * 32 >= 32 ? 32 : n - w * 32;
        B->warps[w] = WarpState{lanes == 32 ? 0xFFFFFFFFu : (1u << lanes) - 1u, 0, 0, 0, 0, {}};
    }
    for (unsigned i = 0; i < n; i++) {
        EmuThread& t = B->state[i];
        t.threadIdx = uint3{i % dims.x, i / dims.x % dims.y, i / (dims.x * dims.y)};
        t.blockIdx = block;
        t.blockDim = dims;
        t.gridDim = grid;
        t.lane = i % 32;
        t.warp = i / 32;
        t.exchanges = 0;
        B->fibers[i] = Fiber{nullptr, NOT_STARTED, 0, -1};
    }
    B->free_count = MAX_THREADS;
    for (unsigned s = 0; s < MAX_THREADS; s++) B->free_stacks[s] = (int)(MAX_THREADS - 1 - s);
    unsigned done = 0;
    while (done < n) {
        bool progressed = false;
        for (unsigned i = 0; i < n; i++) {
            Fiber& f = B->fibers[i];
            if (!may_run(f, i)) continue;
            if (f.wait == NOT_STARTED) start_fiber(i);
            f.wait = RUNNABLE;
            B->cur = i;
            *B->current = &B->state[i];
            emu_fiber_switch(&B->scheduler_sp, f.sp);
            progressed = true;
            if (!B->error.empty()) return false;
            if (f.wait == DONE) done++;
        }
        if (!progressed) {
            B->error = deadlock_report();
            return false;
        }
    }
    return true;
}

void* map_stacks() {
    size_t bytes = (size_t)MAX_THREADS * (STACK + GUARD);
    void* m = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return nullptr;
    for (unsigned i = 0; i < MAX_THREADS; i++) mprotect((char*)m + (size_t)i * (STACK + GUARD), GUARD, PROT_NONE);
    return m;
}
}  // namespace

// INRANK_CUDA_EMULATION_PROFILE=1: launches and seconds per kernel, printed at exit (where the emulation spends time).
struct Profile {
    std::map<std::string, std::pair<long, double>> by_kernel;
    static Profile* get() {
        static Profile* p = [] {
            const char* v = getenv("INRANK_CUDA_EMULATION_PROFILE");
            if (!v || strcmp(v, "1") != 0) return (Profile*)nullptr;
            atexit([] {
                Profile* q = get();
                double total = 0;
                for (auto& [name, c] : q->by_kernel) total += c.second;
                emu_log("profile: %.3f s in kernels", total);
                for (auto& [name, c] : q->by_kernel)
                    emu_log("profile: %-32s %8ld launches %9.3f s", name.c_str(), c.first, c.second);
            });
            return new Profile();
        }();
        return p;
    }
};

EMU_API void emu_bind_module(void* handle) {
    EmuRuntime* rt = (EmuRuntime*)dlsym(handle, "emu_rt");
    if (!rt) return;
    rt->syncthreads = rt_syncthreads;
    rt->syncwarp = rt_syncwarp;
    rt->warp_slots = rt_warp_slots;
    rt->trap = rt_trap;
}

EMU_API int emu_launch_check(const EmuKernelInfo* k, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                             unsigned bz, unsigned shared_bytes, void** params) {
    const unsigned long long threads = (unsigned long long)bx * by * bz;
    if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0 || bx > 1024 || by > 1024 || bz > 64
        || threads > MAX_THREADS || gx > 0x7FFFFFFFu || gy > 65535 || gz > 65535) {
        emu_log("%s: invalid launch shape grid (%u, %u, %u) block (%u, %u, %u)", k->name, gx, gy, gz, bx, by, bz);
        return EMU_INVALID_VALUE;
    }
    if (k->max_threads > 0 && threads > (unsigned long long)k->max_threads) {
        emu_log("%s: block of %llu threads exceeds its __launch_bounds__(%d)", k->name, threads, k->max_threads);
        return EMU_LAUNCH_OUT_OF_RESOURCES;
    }
    if (shared_bytes > 48 * 1024) {
        emu_log("%s: %u bytes of dynamic shared memory exceed the 48 KiB a block gets without opting in", k->name,
                shared_bytes);
        return EMU_INVALID_VALUE;
    }
    size_t param_bytes = 0;
    for (int i = 0; i < k->nparams; i++) param_bytes += k->sizes[i];
    if (param_bytes > 32764) {  // the kernel parameter limit of CUDA 12.1+ on Volta and newer
        emu_log("%s: %zu bytes of parameters exceed the 32,764 a launch may pass", k->name, param_bytes);
        return EMU_INVALID_VALUE;
    }
    if (k->nparams > 0 && !params) {
        emu_log("%s: %d parameters but kernelParams is null", k->name, k->nparams);
        return EMU_INVALID_VALUE;
    }
    for (int i = 0; i < k->nparams; i++) {
        if (!k->pointer[i]) continue;
        const void* p = *(void* const*)params[i];
        if (p && !emu_is_device(p)) {
            char what[160];
            snprintf(what, sizeof what, "%s: parameter %d", k->name, i);
            emu_check_device(p, 0, what);  // says what the pointer is
            emu_set_sticky(EMU_ILLEGAL_ADDRESS);
            return EMU_ILLEGAL_ADDRESS;
        }
    }
    return EMU_SUCCESS;
}

EMU_API int emu_launch(const EmuKernelInfo* k, EmuThread** current, unsigned gx, unsigned gy, unsigned gz,
                       unsigned bx, unsigned by, unsigned bz, unsigned shared_bytes, void** params) {
    if (int e = emu_launch_check(k, gx, gy, gz, bx, by, bz, shared_bytes, params)) return e;
    install_fault_handler();
    std::lock_guard<std::mutex> g(launch_lock);
    static Block* block = new Block();
    if (!stacks) stacks = (char*)map_stacks();
    if (!stacks) return EMU_OUT_OF_MEMORY;
    B = block;
    B->kernel = k;
    B->params = params;
    B->current = current;
    B->error.clear();
    B->exited_before_barrier = false;
    kernel_thread = pthread_self();
    const dim3 grid{gx, gy, gz}, dims{bx, by, bz};
    int status = EMU_SUCCESS;
    uint3 at{0, 0, 0};
    const auto t0 = std::chrono::steady_clock::now();
    if (sigsetjmp(fault_jump, 1) == 0) {
        in_kernel = 1;
        for (at.z = 0; at.z < gz && status == EMU_SUCCESS; at.z++)
            for (at.y = 0; at.y < gy && status == EMU_SUCCESS; at.y++)
                for (at.x = 0; at.x < gx; at.x++)
                    if (!run_block(at, grid, dims)) {
                        emu_log("%s: %s", k->name, B->error.c_str());
                        status = EMU_LAUNCH_FAILED;
                        break;
                    }
        in_kernel = 0;
    } else {
        const EmuThread& t = B->state[B->cur];
        char* a = (char*)fault_address;
        const bool stack = a >= stacks && a < stacks + (size_t)MAX_THREADS * (STACK + GUARD);
        emu_log("%s: thread (%u, %u, %u) of block (%u, %u, %u) %s at %p", k->name, t.threadIdx.x, t.threadIdx.y,
                t.threadIdx.z, t.blockIdx.x, t.blockIdx.y, t.blockIdx.z,
                stack ? "overflowed its stack" : "accessed memory out of bounds", fault_address);
        if (!stack) emu_describe_fault(fault_address, k->name);  // names the allocation it ran past, if any
        status = EMU_ILLEGAL_ADDRESS;
    }
    *current = nullptr;
    if (Profile* p = Profile::get()) {
        auto& c = p->by_kernel[k->name];
        c.first++;
        c.second += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    if (status == EMU_SUCCESS && !emu_check_canaries(k->name)) status = EMU_ILLEGAL_ADDRESS;
    if (status == EMU_SUCCESS && B->exited_before_barrier) {
        static std::mutex m;
        std::lock_guard<std::mutex> w(m);
        static std::string said;
        if (said.find(std::string(k->name) + ";") == std::string::npos) {
            said += std::string(k->name) + ";";
            emu_log("%s: __syncthreads reached after some threads of the block exited (undefined in CUDA)", k->name);
        }
    }
    if (status == EMU_ILLEGAL_ADDRESS || status == EMU_LAUNCH_FAILED) emu_set_sticky(status);
    return status;
}
