#!/usr/bin/env python3
"""Compiles every kernel family with the GPU host's own NVRTC, exactly as the cuda backend will (the units and options
written by `GpuCheck units`), before any Java runs: a compile error shows up in env.txt with NVRTC's log, in seconds.

    nvrtc_precompile.py UNITS_DIR ARCH LIBNVRTC      e.g. ... /tmp/units sm_90 /opt/torch/.venv/.../libnvrtc.so.13
Prints one line per family (ok, cubin bytes, ms; or the error and log) and exits 1 if any family failed.
"""
import ctypes
import pathlib
import sys
import time


def main(units: pathlib.Path, arch: str, library: str) -> int:
    nvrtc = ctypes.CDLL(library)
    nvrtc.nvrtcGetErrorString.restype = ctypes.c_char_p
    major, minor = ctypes.c_int(), ctypes.c_int()
    nvrtc.nvrtcVersion(ctypes.byref(major), ctypes.byref(minor))
    options = [line.replace("ARCH", arch) for line in (units / "options.txt").read_text().splitlines() if line]
    print(f"nvrtc {major.value}.{minor.value} ({library}), options: {' '.join(options)}")
    failed = 0
    for unit in sorted(units.glob("*.cu")):
        prog = ctypes.c_void_p()
        t0 = time.monotonic()
        rc = nvrtc.nvrtcCreateProgram(ctypes.byref(prog), unit.read_bytes(), unit.name.encode(), 0, None, None)
        if rc != 0:
            print(f"{unit.stem}: nvrtcCreateProgram failed: {nvrtc.nvrtcGetErrorString(rc).decode()}")
            failed += 1
            continue
        argv = (ctypes.c_char_p * len(options))(*[o.encode() for o in options])
        rc = nvrtc.nvrtcCompileProgram(prog, len(options), argv)
        size = ctypes.c_size_t()
        nvrtc.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
        log = ctypes.create_string_buffer(size.value)
        nvrtc.nvrtcGetProgramLog(prog, log)
        ms = (time.monotonic() - t0) * 1000
        if rc != 0:
            print(f"{unit.stem}: FAILED {nvrtc.nvrtcGetErrorString(rc).decode()} in {ms:.0f} ms\n{log.value.decode()}")
            failed += 1
        else:
            cubin = ctypes.c_size_t()
            nvrtc.nvrtcGetCUBINSize(prog, ctypes.byref(cubin))
            warnings = log.value.decode().strip()
            print(f"{unit.stem}: ok, cubin {cubin.value} bytes, {ms:.0f} ms" + (f"\n{warnings}" if warnings else ""))
        nvrtc.nvrtcDestroyProgram(ctypes.byref(prog))
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]))
