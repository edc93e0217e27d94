// What the emulated NVRTC hands out as a "cubin" and cuModuleLoadData takes back: a header, then a CPU shared object.
#pragma once
#include <cstdint>

#define EMU_IMAGE_MAGIC "INRKEMU1"
// What the emulated driver, runtime and NVRTC report: CUDA 13.1.
#define EMU_CUDA_VERSION 13010
#define EMU_NVRTC_MAJOR 13
#define EMU_NVRTC_MINOR 1
#define EMU_DEVICE_NAME "Emulated CUDA device (CPU, sm_90 limits)"

struct EmuImageHeader {
    char magic[8];
    uint64_t build;   // emu_build_id() of the emulator that compiled it
    uint64_t length;  // bytes of the shared object that follow
};
