// The emulated device's attributes: those of an H100 SXM (compute capability 9.0, 132 SMs), so that code which sizes
// its launches from them sees realistic numbers, and the launch limits the scheduler enforces.
#include <cstdio>

#include "emu.h"

#ifndef EMU_BUILD_ID
#error "EMU_BUILD_ID is set by build.sh from the emulator's sources"
#endif

EMU_API unsigned long long emu_build_id(void) { return EMU_BUILD_ID; }

EMU_API bool emu_device_attribute(int* value, int attribute) {
    if (!value) return false;
    int v;
    switch (attribute) {
        case 1: v = 1024; break;                 // max threads per block
        case 2: v = 1024; break;                 // max block dim x
        case 3: v = 1024; break;                 // y
        case 4: v = 64; break;                   // z
        case 5: v = 2147483647; break;           // max grid dim x
        case 6: v = 65535; break;                // y
        case 7: v = 65535; break;                // z
        case 8: v = 48 * 1024; break;            // shared memory per block (without opting in)
        case 9: v = 64 * 1024; break;            // constant memory
        case 10: v = 32; break;                  // warp size
        case 12: v = 65536; break;               // registers per block
        case 13: v = 1980000; break;             // clock rate, kHz
        case 16: v = 132; break;                 // multiprocessors
        case 31: v = 1; break;                   // concurrent kernels
        case 36: v = 2619000; break;             // memory clock, kHz
        case 37: v = 5120; break;                // memory bus width, bits
        case 38: v = 50 * 1024 * 1024; break;    // L2 bytes
        case 39: v = 2048; break;                // threads per multiprocessor
        case 41: v = 1; break;                   // unified addressing
        case 75: v = 9; break;                   // compute capability major
        case 76: v = 0; break;                   // minor
        case 81: v = 228 * 1024; break;          // shared memory per multiprocessor
        case 82: v = 65536; break;               // registers per multiprocessor
        case 97: v = 227 * 1024; break;          // shared memory per block, opt-in
        default: {
            char name[64];
            snprintf(name, sizeof name, "device attribute %d", attribute);
            emu_unsupported(name, 1);
            return false;
        }
    }
    *value = v;
    return true;
}
