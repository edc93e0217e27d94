// The emulated CUDA device's shared state (libinrank-cudaemu.so): device memory with guard pages and canaries, the
// context's sticky error, the kernel scheduler, and one-line diagnostics on stderr. Every stand-in library (libcuda.so.1,
// libcudart.so.13, libnvrtc.so.13, libcublas.so.13, libcusolver.so.12, ...) links this one, so they see one device.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#define EMU_API extern "C" __attribute__((visibility("default")))

// ---- error codes shared by the driver and runtime APIs (the same numbers in both) ----
enum : int {
    EMU_SUCCESS = 0,
    EMU_INVALID_VALUE = 1,
    EMU_OUT_OF_MEMORY = 2,
    EMU_NOT_INITIALIZED = 3,
    EMU_INVALID_PITCH = 12,
    EMU_INVALID_DEVICE = 101,
    EMU_INVALID_IMAGE = 200,
    EMU_INVALID_CONTEXT = 201,
    EMU_INVALID_HANDLE = 400,
    EMU_NOT_FOUND = 500,
    EMU_ILLEGAL_ADDRESS = 700,
    EMU_LAUNCH_OUT_OF_RESOURCES = 701,
    EMU_LAUNCH_FAILED = 719,
    EMU_NOT_SUPPORTED = 801,
};

// One line on stderr, prefixed "emulated CUDA: ".
EMU_API void emu_log(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// A call the emulation does not implement: named once on stderr, then `code` is returned.
EMU_API int emu_unsupported(const char* name, int code);

// ---- the context: a kernel fault makes every later call fail with it, as on a GPU ----
EMU_API int emu_sticky_error(void);
EMU_API void emu_set_sticky(int code);
EMU_API const char* emu_error_name(int code);
EMU_API const char* emu_error_string(int code);

// ---- device memory ----
// Device bytes the emulated GPU has (INRANK_CUDA_EMULATION_MEMORY, default 4 GiB).
EMU_API size_t emu_total_memory(void);
EMU_API size_t emu_used_memory(void);
EMU_API int emu_malloc(void** ptr, size_t bytes);
EMU_API int emu_free(void* ptr);
// Whether [p, p+bytes) lies inside one live allocation; else logs what it is (host memory, freed, past an end) with
// `what` naming the call, and returns false.
EMU_API bool emu_check_device(const void* p, size_t bytes, const char* what);
// Logs where a faulting address lies: past the end of (or before) which allocation, freed memory, or nowhere known.
EMU_API void emu_describe_fault(const void* p, const char* what);
// True when p points into a live allocation (any offset).
EMU_API bool emu_is_device(const void* p);
// Every allocation's canary (the bytes between its end and the next 256-byte boundary, before the guard page) is
// intact; else logs each overwritten one, blaming `after`, and returns false.
EMU_API bool emu_check_canaries(const char* after);

// ---- kernels ----
struct EmuKernelInfo;  // emu_device.h
struct EmuThread;
// The checks a launch gets before it runs (shape, bounds, shared memory, parameters): EMU_SUCCESS or the error (logged).
EMU_API int emu_launch_check(const EmuKernelInfo* k, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                             unsigned bz, unsigned shared_bytes, void** params);
// Runs a grid (`current` is the module's emu_thread, set before each fiber runs); returns EMU_SUCCESS or an error (logged, and sticky when the kernel faulted).
EMU_API int emu_launch(const EmuKernelInfo* k, EmuThread** current, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                       unsigned bz, unsigned shared_bytes, void** params);
// Gives a freshly loaded kernel module its runtime hooks (emu_rt).
EMU_API void emu_bind_module(void* dl_handle);

// The library directory of the emulator (where the stand-ins and include/ live), from this library's own path.
EMU_API const char* emu_home(void);

// The one (primary) context of device 0: what cuCtxGetCurrent answers once the runtime has started.
EMU_API void* emu_primary_context(void);

// ---- streams: one kind of object for the runtime and the driver API; work runs when it is issued (see README) ----
EMU_API void* emu_stream_create(unsigned flags);
EMU_API int emu_stream_destroy(void* stream);
// The default streams (0, cudaStreamLegacy, cudaStreamPerThread) and live created streams are valid.
EMU_API bool emu_stream_valid(const void* stream);

// ---- deferred streams (INRANK_CUDA_EMULATION_DEFERRED=all|first|others: every created stream, the process's first
// one, or all but the first): such a stream keeps its kernels, collectives and event records queued until something
// waits for them — another stream waiting on one of its events, a synchronize, an event's query or time, a copy, fill
// or library call on that same stream (which runs the queue first, keeping the stream's order), cudaFree. A GPU whose
// stream runs behind the host and behind the other streams does the same, so a missing wait between two streams reads
// work that has not run yet and gives a wrong result instead of passing by luck: `first` holds back a backend's compute
// stream (a second stream that forgot to wait for it runs too early), `others` holds back the second stream (a compute
// stream that forgot to wait for it reads too early). Default streams, and every stream without the variable, run
// work when it is issued. ----
#define EMU_CXX __attribute__((visibility("default")))
using EmuWork = std::function<int()>;
EMU_CXX bool emu_stream_defers(const void* stream);
// Queues `work` on a deferring stream (EMU_SUCCESS; its error comes out of the flush that runs it), else runs it now.
EMU_CXX int emu_stream_submit(void* stream, EmuWork work);
// How many items `stream` has been given so far (0 for one that does not defer): an event's place in its queue.
EMU_CXX uint64_t emu_stream_submitted(const void* stream);
// Runs the stream's queued items numbered up to `through`, in order; an item's error stops it, drops the rest and is
// made sticky (the context is lost, as after a failed kernel on a GPU).
EMU_CXX int emu_stream_flush(void* stream, uint64_t through);
EMU_CXX int emu_flush_all(void);

// ---- the device's identity ----
// A cudaDevAttr*/CU_DEVICE_ATTRIBUTE_* value (the numbering is shared): an H100-like sm_90 device with the limits
// launches are checked against. False for an attribute the emulation does not answer (named once on stderr).
EMU_API bool emu_device_attribute(int* value, int attribute);
// Identifies this build of the emulator (a hash of its sources, fixed at build time): images carry it.
EMU_API unsigned long long emu_build_id(void);
