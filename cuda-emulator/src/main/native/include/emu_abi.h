// The structures kernel modules and the emulator's core share (a kernel module includes this through emu_device.h).
#pragma once

struct uint3 {
    unsigned int x, y, z;
};
struct dim3 {
    unsigned int x, y, z;
};

// What the scheduler tells the fiber that runs: its indices, its warp and lane.
struct EmuThread {
    uint3 threadIdx, blockIdx;
    dim3 blockDim, gridDim;
    unsigned int lane, warp;
    unsigned int exchanges;  // warp exchanges this thread has made: which of two slot banks the next one uses
};

// Hooks into the scheduler; set by emu_bind_module when the module is loaded.
struct EmuRuntime {
    void (*syncthreads)();
    void (*syncwarp)(unsigned mask);
    unsigned long long* (*warp_slots)();  // 2 banks of 32 slots of the caller's warp
    void (*trap)(const char* why);
};

// A kernel as the module exports it (emu_info_<name>): its entry, its parameters' sizes and which are pointers.
struct EmuKernelInfo {
    const char* name;
    void (*entry)(void** args);
    int nparams;
    const unsigned* sizes;
    const unsigned char* pointer;
    int max_threads;  // __launch_bounds__, 0 if none
};
