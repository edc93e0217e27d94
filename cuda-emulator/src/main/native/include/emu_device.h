// The device side of CUDA C for kernels that the emulated NVRTC compiles for the CPU (g++ -include emu_device.h):
// thread and block indices, __syncthreads, __shared__, warp shuffles and votes, atomics, the math intrinsics. Every
// CUDA thread of a block runs as a fiber of one OS thread; a barrier or a shuffle switches to the next fiber, so the
// block-wide and warp-wide synchronisation a GPU gives is real here, and one block runs at a time (which is why
// __shared__ can be a function-local static). The core (libinrank-cudaemu.so) fills emu_rt and emu_thread.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#ifndef __CUDACC__
#define __CUDACC__ 1
#endif
#define __CUDACC_RTC__ 1
#define INRANK_CUDA_EMULATION 1
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
#define __shared__ static
#define __constant__ static

#include "emu_abi.h"

extern "C" {
extern EmuThread* emu_thread;
extern EmuRuntime emu_rt;
}

#define threadIdx (emu_thread->threadIdx)
#define blockIdx (emu_thread->blockIdx)
#define blockDim (emu_thread->blockDim)
#define gridDim (emu_thread->gridDim)
#define warpSize 32

__forceinline__ void __syncthreads() { emu_rt.syncthreads(); }
__forceinline__ void __syncwarp(unsigned mask = 0xFFFFFFFFu) { emu_rt.syncwarp(mask); }
__forceinline__ void __trap() { emu_rt.trap("__trap()"); }
__forceinline__ void __threadfence() {}
__forceinline__ void __threadfence_block() {}

// ---- warp exchange: every lane in `mask` writes its value, meets the others, reads its source lane. Consecutive
// exchanges alternate between two slot banks, so one meeting per exchange is enough: a lane can write a bank again
// only after the next meeting, which every lane reaches after its read of that bank. ----
template <class T>
__forceinline__ T emu_exchange(unsigned mask, T v, unsigned src) {
    static_assert(sizeof(T) <= 8, "a shuffle moves at most 8 bytes");
    EmuThread* t = emu_thread;
    unsigned long long* slots = emu_rt.warp_slots() + 32 * (t->exchanges++ & 1u);
    const unsigned lane = t->lane;
    unsigned long long word = 0;
    std::memcpy(&word, &v, sizeof(T));
    slots[lane] = word;
    emu_rt.syncwarp(mask);
    if (src >= 32 || !((mask >> src) & 1u)) src = lane;  // a source outside the mask: undefined on a GPU; own value
    word = slots[src];
    T out;
    std::memcpy(&out, &word, sizeof(T));
    return out;
}
template <class T>
__forceinline__ T __shfl_sync(unsigned mask, T v, int src, int width = 32) {
    const unsigned lane = emu_thread->lane, base = lane & ~(unsigned)(width - 1);
    return emu_exchange(mask, v, base + ((unsigned)src & (unsigned)(width - 1)));
}
template <class T>
__forceinline__ T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32) {
    const unsigned lane = emu_thread->lane, src = lane ^ (unsigned)lane_mask;
    const unsigned base = lane & ~(unsigned)(width - 1);
    return emu_exchange(mask, v, src >= base + (unsigned)width ? lane : src);
}
template <class T>
__forceinline__ T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32) {
    const unsigned lane = emu_thread->lane, base = lane & ~(unsigned)(width - 1), src = lane + delta;
    return emu_exchange(mask, v, src >= base + (unsigned)width ? lane : src);
}
template <class T>
__forceinline__ T __shfl_up_sync(unsigned mask, T v, unsigned delta, int width = 32) {
    const unsigned lane = emu_thread->lane, base = lane & ~(unsigned)(width - 1);
    return emu_exchange(mask, v, lane < base + delta ? lane : lane - delta);
}
__forceinline__ unsigned __ballot_sync(unsigned mask, int pred) {
    EmuThread* t = emu_thread;
    unsigned long long* slots = emu_rt.warp_slots() + 32 * (t->exchanges++ & 1u);
    slots[t->lane] = pred ? 1u : 0u;
    emu_rt.syncwarp(mask);
    unsigned out = 0;
    for (unsigned l = 0; l < 32; l++)
        if (((mask >> l) & 1u) && slots[l]) out |= 1u << l;
    return out;
}
__forceinline__ int __any_sync(unsigned mask, int pred) { return __ballot_sync(mask, pred) != 0; }
__forceinline__ int __all_sync(unsigned mask, int pred) { return __ballot_sync(mask, pred) == mask; }
__forceinline__ unsigned __activemask() { return 0xFFFFFFFFu; }

// ---- atomics: fibers switch only at barriers and shuffles, so a read-modify-write is atomic here ----
template <class T>
__forceinline__ T atomicAdd(T* p, T v) {
    const T old = *p;
    *p = old + v;
    return old;
}
template <class T>
__forceinline__ T atomicMax(T* p, T v) {
    const T old = *p;
    if (v > old) *p = v;
    return old;
}
template <class T>
__forceinline__ T atomicMin(T* p, T v) {
    const T old = *p;
    if (v < old) *p = v;
    return old;
}
template <class T>
__forceinline__ T atomicExch(T* p, T v) {
    const T old = *p;
    *p = v;
    return old;
}
template <class T>
__forceinline__ T atomicCAS(T* p, T compare, T v) {
    const T old = *p;
    if (old == compare) *p = v;
    return old;
}

// ---- integer and float helpers with CUDA's names ----
__forceinline__ int min(int a, int b) { return a < b ? a : b; }
__forceinline__ int max(int a, int b) { return a > b ? a : b; }
__forceinline__ unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
__forceinline__ unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }
__forceinline__ long long min(long long a, long long b) { return a < b ? a : b; }
__forceinline__ long long max(long long a, long long b) { return a > b ? a : b; }
__forceinline__ float min(float a, float b) { return fminf(a, b); }
__forceinline__ float max(float a, float b) { return fmaxf(a, b); }
__forceinline__ float rsqrtf(float x) { return 1.0f / sqrtf(x); }
__forceinline__ float __expf(float x) { return expf(x); }
__forceinline__ float __logf(float x) { return logf(x); }
__forceinline__ float __fdividef(float a, float b) { return a / b; }
__forceinline__ float __saturatef(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x); }
__forceinline__ float __fmaf_rn(float a, float b, float c) { return fmaf(a, b, c); }
__forceinline__ unsigned __float_as_uint(float f) {
    unsigned u;
    std::memcpy(&u, &f, 4);
    return u;
}
__forceinline__ float __uint_as_float(unsigned u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
__forceinline__ int __float_as_int(float f) { return (int)__float_as_uint(f); }
__forceinline__ float __int_as_float(int i) { return __uint_as_float((unsigned)i); }
__forceinline__ unsigned __umulhi(unsigned a, unsigned b) { return (unsigned)(((unsigned long long)a * b) >> 32); }
__forceinline__ int __popc(unsigned x) { return __builtin_popcount(x); }
__forceinline__ int __clz(unsigned x) { return x ? __builtin_clz(x) : 32; }
__forceinline__ int __ffs(unsigned x) { return __builtin_ffs((int)x); }
template <class T>
__forceinline__ T __ldg(const T* p) {
    return *p;
}

// ---- what the emulated NVRTC appends after the unit: one entry and one description per kernel ----
template <class... A>
struct EmuParams {
    static constexpr unsigned sizes[sizeof...(A) + 1] = {(unsigned)sizeof(A)..., 0u};
    static constexpr unsigned char pointer[sizeof...(A) + 1] = {(unsigned char)std::is_pointer<A>::value..., 0};
};
template <class... A, std::size_t... I>
__forceinline__ void emu_call(void (*f)(A...), void** args, std::index_sequence<I...>) {
    f(*static_cast<std::remove_cv_t<A>*>(args[I])...);
}
template <class... A>
__forceinline__ void emu_invoke(void (*f)(A...), void** args) {
    emu_call(f, args, std::index_sequence_for<A...>{});
}
template <class... A>
constexpr EmuKernelInfo emu_info_for(void (*)(A...), void (*entry)(void**), const char* name, int max_threads) {
    return EmuKernelInfo{name, entry, (int)sizeof...(A), EmuParams<A...>::sizes, EmuParams<A...>::pointer,
                         max_threads};
}
#define EMU_KERNEL(NAME, MAX_THREADS)                                                            \
    extern "C" __attribute__((visibility("default"))) void emu_entry_##NAME(void** args) {      \
        emu_invoke(&NAME, args);                                                                 \
    }                                                                                            \
    extern "C" __attribute__((visibility("default"))) const EmuKernelInfo emu_info_##NAME =      \
        emu_info_for(&NAME, &emu_entry_##NAME, #NAME, MAX_THREADS);
#define EMU_MODULE_GLOBALS                                                                       \
    extern "C" {                                                                                 \
    __attribute__((visibility("default"))) EmuThread* emu_thread;                                \
    __attribute__((visibility("default"))) EmuRuntime emu_rt;                                    \
    }
