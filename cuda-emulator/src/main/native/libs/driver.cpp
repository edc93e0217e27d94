// libcuda.so.1, the driver API of the emulated device: device queries, the primary context, modules made by the
// emulated NVRTC (a "cubin" is a CPU shared object behind a header), kernel launches. Every other cu* symbol the JNI
// library imports is a generated stub that names itself once and returns CUDA_ERROR_NOT_SUPPORTED.
#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../core/emu.h"
#include "../include/emu_abi.h"
#include "image.h"

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;

namespace {
struct Module {
    unsigned magic;
    void* dl;
    int fd;  // the memfd behind dl, open while the module is: glibc's dlopen knows a library by its path name, and
             // /proc/self/fd/N names another library once N is reused
    EmuThread** current;
    std::map<std::string, struct Function*> functions;
};
struct Function {
    unsigned magic;
    const EmuKernelInfo* info;
    EmuThread** current;
};
constexpr unsigned MODULE_MAGIC = 0x4D4F4455, FUNCTION_MAGIC = 0x46554E43;
std::mutex modules_lock;

#define STICKY()                                  \
    do {                                          \
        if (int s = emu_sticky_error()) return s; \
    } while (0)
}  // namespace

extern "C" {

CUresult cuInit(unsigned flags) { return flags == 0 ? EMU_SUCCESS : EMU_INVALID_VALUE; }

CUresult cuDriverGetVersion(int* v) {
    if (!v) return EMU_INVALID_VALUE;
    *v = EMU_CUDA_VERSION;
    return EMU_SUCCESS;
}

CUresult cuDeviceGetCount(int* n) {
    if (!n) return EMU_INVALID_VALUE;
    *n = 1;
    return EMU_SUCCESS;
}

CUresult cuDeviceGet(CUdevice* d, int ordinal) {
    if (!d || ordinal != 0) return ordinal != 0 ? EMU_INVALID_DEVICE : EMU_INVALID_VALUE;
    *d = 0;
    return EMU_SUCCESS;
}

CUresult cuDeviceGetName(char* name, int len, CUdevice d) {
    if (!name || len <= 0) return EMU_INVALID_VALUE;
    if (d != 0) return EMU_INVALID_DEVICE;
    snprintf(name, (size_t)len, "%s", EMU_DEVICE_NAME);
    return EMU_SUCCESS;
}

CUresult cuDeviceGetAttribute(int* value, int attribute, CUdevice d) {
    if (d != 0) return EMU_INVALID_DEVICE;
    return emu_device_attribute(value, attribute) ? EMU_SUCCESS : EMU_INVALID_VALUE;
}

CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice d) {
    if (!bytes) return EMU_INVALID_VALUE;
    if (d != 0) return EMU_INVALID_DEVICE;
    *bytes = emu_total_memory();
    return EMU_SUCCESS;
}

CUresult cuCtxGetCurrent(void** ctx) {
    if (!ctx) return EMU_INVALID_VALUE;
    *ctx = emu_primary_context();
    return EMU_SUCCESS;
}

CUresult cuCtxSetCurrent(void* ctx) {
    STICKY();
    if (ctx != nullptr && ctx != emu_primary_context()) {
        emu_log("cuCtxSetCurrent: %p is not the emulated device's context", ctx);
        return EMU_INVALID_CONTEXT;
    }
    return EMU_SUCCESS;
}

CUresult cuCtxSynchronize(void) {
    if (int e = emu_flush_all()) return e;
    return emu_sticky_error();
}

CUresult cuGetErrorString(CUresult e, const char** s) {
    if (!s) return EMU_INVALID_VALUE;
    *s = emu_error_string(e);
    return EMU_SUCCESS;
}

CUresult cuGetErrorName(CUresult e, const char** s) {
    if (!s) return EMU_INVALID_VALUE;
    *s = emu_error_name(e);
    return EMU_SUCCESS;
}

CUresult cuModuleLoadData(void** module, const void* image) {
    STICKY();
    if (!module || !image) return EMU_INVALID_VALUE;
    EmuImageHeader h;
    memcpy(&h, image, sizeof h);
    if (memcmp(h.magic, EMU_IMAGE_MAGIC, sizeof h.magic) != 0) {
        emu_log("cuModuleLoadData: not an image of the emulated NVRTC (a real cubin or PTX cannot run here)");
        return EMU_INVALID_IMAGE;
    }
    if (h.build != emu_build_id()) {
        emu_log("cuModuleLoadData: the image was made by another build of the emulator (%#llx, this is %#llx)",
                (unsigned long long)h.build, (unsigned long long)emu_build_id());
        return EMU_INVALID_IMAGE;
    }
    int fd = memfd_create("emulated-cubin", MFD_CLOEXEC);
    if (fd < 0) return EMU_OUT_OF_MEMORY;
    const char* bytes = (const char*)image + sizeof h;
    for (unsigned long long off = 0; off < h.length;) {
        ssize_t w = write(fd, bytes + off, h.length - off);
        if (w <= 0) {
            close(fd);
            return EMU_OUT_OF_MEMORY;
        }
        off += (unsigned long long)w;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    void* dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        emu_log("cuModuleLoadData: %s", dlerror());
        close(fd);
        return EMU_INVALID_IMAGE;
    }
    EmuThread** current = (EmuThread**)dlsym(dl, "emu_thread");
    if (!current) {
        dlclose(dl);
        close(fd);
        return EMU_INVALID_IMAGE;
    }
    emu_bind_module(dl);
    *module = new Module{MODULE_MAGIC, dl, fd, current, {}};
    return EMU_SUCCESS;
}

CUresult cuModuleUnload(void* module) {
    Module* m = (Module*)module;
    if (!m || m->magic != MODULE_MAGIC) return EMU_INVALID_HANDLE;
    std::lock_guard<std::mutex> g(modules_lock);
    for (auto& [name, f] : m->functions) f->magic = 0;  // launching an unloaded function is an invalid handle
    m->magic = 0;
    dlclose(m->dl);
    close(m->fd);
    return EMU_SUCCESS;
}

CUresult cuModuleGetFunction(void** function, void* module, const char* name) {
    STICKY();
    Module* m = (Module*)module;
    if (!function || !name) return EMU_INVALID_VALUE;
    if (!m || m->magic != MODULE_MAGIC) return EMU_INVALID_HANDLE;
    std::lock_guard<std::mutex> g(modules_lock);
    auto it = m->functions.find(name);
    if (it == m->functions.end()) {
        const EmuKernelInfo* info = (const EmuKernelInfo*)dlsym(m->dl, (std::string("emu_info_") + name).c_str());
        if (!info) return EMU_NOT_FOUND;
        it = m->functions.emplace(name, new Function{FUNCTION_MAGIC, info, m->current}).first;
    }
    *function = it->second;
    return EMU_SUCCESS;
}

CUresult cuLaunchKernel(void* function, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared_bytes, void* stream, void** params, void** extra) {
    STICKY();
    Function* f = (Function*)function;
    if (!f || f->magic != FUNCTION_MAGIC) return EMU_INVALID_HANDLE;
    if (!emu_stream_valid(stream)) return EMU_INVALID_HANDLE;
    if (extra) return emu_unsupported("cuLaunchKernel with extra (packed) parameters", EMU_NOT_SUPPORTED);
    if (!emu_stream_defers(stream))
        return emu_launch(f->info, f->current, gx, gy, gz, bx, by, bz, shared_bytes, params);
    // queued: checked now, as a GPU checks a launch; the parameter values copied, as cuLaunchKernel copies them
    if (int e = emu_launch_check(f->info, gx, gy, gz, bx, by, bz, shared_bytes, params)) return e;
    const EmuKernelInfo* k = f->info;
    auto values = std::make_shared<std::vector<std::vector<char>>>(k->nparams);
    auto pointers = std::make_shared<std::vector<void*>>(k->nparams);
    for (int i = 0; i < k->nparams; i++) {
        (*values)[i].assign((const char*)params[i], (const char*)params[i] + k->sizes[i]);
        (*pointers)[i] = (*values)[i].data();
    }
    EmuThread** current = f->current;
    // the launch owns `values` (what `pointers` point into) until it has run
    return emu_stream_submit(stream, [k, current, gx, gy, gz, bx, by, bz, shared_bytes, values, pointers] {
        return emu_launch(k, current, gx, gy, gz, bx, by, bz, shared_bytes, pointers->data());
    });
}

CUresult cuStreamSynchronize(void* stream) {
    if (!emu_stream_valid(stream)) return EMU_INVALID_HANDLE;
    if (int e = emu_stream_flush(stream, UINT64_MAX)) return e;
    return emu_sticky_error();
}

CUresult cuMemGetInfo_v2(size_t* free_bytes, size_t* total) {
    if (!free_bytes || !total) return EMU_INVALID_VALUE;
    *total = emu_total_memory();
    *free_bytes = *total - emu_used_memory();
    return EMU_SUCCESS;
}

CUresult cuMemAlloc_v2(CUdeviceptr* p, size_t bytes) {
    STICKY();
    if (!p) return EMU_INVALID_VALUE;
    if (bytes == 0) return EMU_INVALID_VALUE;  // the driver API refuses a zero-byte allocation
    void* q = nullptr;
    int s = emu_malloc(&q, bytes);
    *p = (CUdeviceptr)q;
    return s;
}

CUresult cuMemFree_v2(CUdeviceptr p) {
    STICKY();
    if (int e = emu_flush_all()) return e;  // as cuMemFree: the device's work is done first
    return emu_free((void*)p);
}
}
