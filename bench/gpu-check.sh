#!/usr/bin/env bash
# The GPU check of the cuda backend: everything it needs travels as one bundle (a jlink'd Java runtime and the class
# path without ND4J), because the GPU host has no Java, no Maven and no network.
#
#   bench/gpu-check.sh pack     build here; write .gpu-check/bundle.tar.xz (runtime + jars, must stay under 60 MiB)
#   bench/gpu-check.sh run [--backend cuda] [--out DIR] [--quick] [--deadline SECONDS]
#                               on the GPU host, from the repository root with .gpu-check/ beside it: probe the host,
#                               pre-compile every kernel family with the host's NVRTC, then the conformance suites,
#                               the 20-step losses, the InRank spectra check, NCCL through the backend (a one-replica
#                               group) and the benches with their PyTorch twins;
#                               JSON lines and logs into DIR (default $OUT, else .gpu-check/out), 7 files. One overall
#                               deadline (default 520 s; the device budget is 15 minutes, machine start included):
#                               a step that cannot start before it is marked skipped, and the summary is still written.
#                               With INRANK_CUDA_EMULATION=1 (never on a GPU host) the cuda backend runs on the emulated
#                               device of cuda-emulator/target/emulated-cuda (./mvnw -pl cuda-emulator install).
#   bench/gpu-check.sh local    pack, then run --quick here on the emulated CUDA device: the whole check without a GPU
#
# Exit status: 0 when every check passed, 1 when one failed or was skipped (the summary says which), 2 on usage errors.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUNDLE_DIR=$ROOT/.gpu-check

pack() {
    set -e
    ./mvnw -q -B install -DskipTests -pl backend-cuda -am
    ./mvnw -q -B dependency:build-classpath -pl backend-cuda -Dmdep.includeScope=test \
        -Dmdep.outputFile="$BUNDLE_DIR/cp.txt" >/dev/null
    rm -rf "$BUNDLE_DIR/stage" && mkdir -p "$BUNDLE_DIR/stage/jars"
    cp backend-cuda/target/backend-cuda-*.jar "$BUNDLE_DIR/stage/jars/"
    # ND4J (and what only it needs) and the Kafka client stay home: the GPU host runs the reference and cuda backends,
    # and no class of the check touches Kafka
    tr ':' '\n' <"$BUNDLE_DIR/cp.txt" \
        | grep -vE '/org/nd4j/|/org/bytedeco/openblas/|/net/java/dev/jna/|/org/apache/kafka/|/com/github/luben/|/org/xerial/snappy/|/at/yawk/lz4/' \
        | while read -r jar; do cp "$jar" "$BUNDLE_DIR/stage/jars/"; done
    local jlink
    jlink=$(ls /usr/lib/jvm/temurin-25*/bin/jlink 2>/dev/null | head -1)
    [ -n "$jlink" ] || jlink=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}/bin/jlink
    # Temurin 25 needs only glibc 2.17 (the GPU host's glibc is unknown); modules stored uncompressed so that xz compresses them
    "$jlink" --add-modules java.base,java.logging,java.management,java.naming,java.net.http,java.sql,java.xml,jdk.crypto.ec,jdk.unsupported,jdk.incubator.vector \
        --strip-java-debug-attributes --strip-native-debug-symbols=exclude-debuginfo-files --no-header-files --no-man-pages --compress=zip-0 --output "$BUNDLE_DIR/stage/jre"
    tar -C "$BUNDLE_DIR/stage" -cJf "$BUNDLE_DIR/bundle.tar.xz" jre jars
    rm -rf "$BUNDLE_DIR/stage"
    local mib
    mib=$(( $(stat -c %s "$BUNDLE_DIR/bundle.tar.xz") / 1048576 ))
    echo "gpu-check: $BUNDLE_DIR/bundle.tar.xz ($mib MiB)"
    [ "$mib" -lt 60 ] || { echo "gpu-check: the bundle exceeds 60 MiB" >&2; exit 1; }
}

# The directories holding the CUDA 13 libraries the JNI bindings link (by name, wherever the host keeps them): the
# PyTorch venv first (CUDA 13 wheels), then the toolkit, then the whole file system, each search bounded in time.
CUDA_LIBS='libcudart.so.13* libnvrtc.so.13* libnvrtc-builtins.so.13* libcublas.so.13* libcublasLt.so.13*
           libcusolver.so.12* libcusolverMg.so.12* libcusparse.so.12* libnvJitLink.so.13* libnccl.so.2*'
cuda_library_path() {
    local names=() n dirs
    for n in $CUDA_LIBS; do names+=(-o -name "$n"); done
    names=("${names[@]:1}")
    dirs=$( {
        for venv in /opt/torch/.venv /opt/*/.venv /usr/local/lib/python3*/dist-packages; do
            [ -d "$venv" ] && timeout 15 find "$venv" \( "${names[@]}" \) -print 2>/dev/null
        done
        for tk in /usr/local/cuda*/lib64 /usr/local/cuda*/targets/*/lib; do
            [ -d "$tk" ] && timeout 5 find "$tk" -maxdepth 1 \( "${names[@]}" \) -print 2>/dev/null
        done
        timeout 20 find / \( -path /proc -o -path /sys -o -path /dev -o -path /tmp \) -prune -o \( "${names[@]}" \) \
            -print 2>/dev/null
    } | xargs -r -n1 dirname | awk '!seen[$0]++' | paste -sd: -)
    echo "$dirs"
}

# The host's libnvrtc.so.13 (from the directories found), for the pre-compile.
nvrtc_library() {
    local d
    for d in ${1//:/ }; do
        ls "$d"/libnvrtc.so.13* 2>/dev/null | grep -v builtins | head -1
    done | head -1
}

# H100/H200 dense peaks (TFLOP/s) per precision, for MFU; empty elsewhere.
peak_tflops() {
    case "$1:$2" in
        *H100*:fp32 | *H200*:fp32) echo 67 ;;
        *H100*:tf32 | *H200*:tf32) echo 494.7 ;;
        *H100*:bf16 | *H200*:bf16) echo 989.4 ;;
        *) echo 0 ;;
    esac
}

run() {
    local backend=cuda out=${OUT:-$BUNDLE_DIR/out} quick=0 deadline=520
    while [ $# -gt 0 ]; do
        case "$1" in
            --backend) backend=$2; shift 2 ;;
            --out) out=$2; shift 2 ;;
            --quick) quick=1; shift ;;
            --deadline) deadline=$2; shift 2 ;;
            *) echo "gpu-check run: unknown option $1" >&2; exit 2 ;;
        esac
    done
    [[ "$deadline" =~ ^[0-9]+$ ]] && [ "$deadline" -ge 30 ] || { echo "gpu-check run: --deadline $deadline: whole seconds, at least 30" >&2; exit 2; }
    local started end
    started=$(date +%s)
    end=$((started + deadline))
    local emulated=0
    case "${INRANK_CUDA_EMULATION:-0}" in 1 | true | yes) emulated=1 ;; esac
    mkdir -p "$out"
    local summary=$out/summary.txt checks=$out/checks.jsonl bench=$out/bench.jsonl log=$out/run.log failed=0
    rm -f "$out"/env.txt "$out"/conformance*.txt "$out"/summary.txt "$out"/*.jsonl "$out"/run.log # a rerun starts clean
    : >"$summary"; : >"$checks"; : >"$bench"; : >"$log"
    local unpacked=${TMPDIR:-/tmp}/inrank-gpu-check
    rm -rf "$unpacked" && mkdir -p "$unpacked"
    if command -v xz >/dev/null; then
        tar -C "$unpacked" -xJf "$BUNDLE_DIR/bundle.tar.xz"
    else # hosts without xz-utils: Python's tarfile reads xz
        local py
        py=$(ls /opt/torch/.venv/bin/python /usr/bin/python3 2>/dev/null | head -1)
        "$py" -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$BUNDLE_DIR/bundle.tar.xz" "$unpacked"
        chmod +x "$unpacked"/jre/bin/* "$unpacked"/jre/lib/jspawnhelper 2>/dev/null
    fi
    local cp
    cp=$(ls "$unpacked"/jars/*.jar | paste -sd: -)
    local libdirs linkpath=()
    if [ $emulated -eq 1 ]; then
        libdirs=$ROOT/cuda-emulator/target/emulated-cuda/lib
        [ -f "$libdirs/build-id" ] || { echo "gpu-check: no emulated CUDA device at $libdirs (./mvnw -pl cuda-emulator install)" >&2; exit 2; }
        linkpath=("-Dorg.bytedeco.javacpp.platform.linkpath=$libdirs")
        export LD_BIND_NOW=1
    else
        libdirs=$(cuda_library_path)
    fi

    {   # the host, as found
        echo "== date"; date -u
        echo "== nvidia-smi"; nvidia-smi 2>&1 || echo "(no nvidia-smi)"
        echo "== driver"; cat /proc/driver/nvidia/version 2>&1 || true
        echo "== CUDA libraries (ldconfig)"; ldconfig -p 2>/dev/null | grep -E 'cublas|cusolver|nccl|nvrtc|libcuda\.' || true
        echo "== CUDA 13 library directories found"; echo "$libdirs"
        echo "== /usr/local/cuda*"; ls -d /usr/local/cuda* 2>&1 || true
        echo "== glibc"; ldd --version 2>&1 | head -1
        echo "== java"; "$unpacked/jre/bin/java" -version 2>&1
    } >"$out/env.txt" 2>&1

    export LD_LIBRARY_PATH=$libdirs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export INRANK_CACHE=${INRANK_CACHE:-$unpacked/cache}
    local heap=16g
    [ $emulated -eq 1 ] && heap=2g
    local java=("$unpacked/jre/bin/java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector "-Xmx$heap"
        "${linkpath[@]}" -cp "$cp")
    local gpu
    gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)

    step() { # name, timeout seconds, output file, command…  (the timeout shrinks to what the deadline leaves)
        local name=$1 limit=$2 file=$3 t0 rc left
        shift 3
        t0=$(date +%s)
        left=$((end - t0))
        if [ "$left" -lt 10 ]; then
            echo "$name: skipped (the ${deadline} s deadline is reached)" | tee -a "$summary"
            failed=1
            return
        fi
        [ "$limit" -le "$left" ] || limit=$left
        timeout "$limit" "$@" >>"$file" 2>>"$log"
        rc=$?
        echo "$name: $([ $rc -eq 0 ] && echo pass || echo "FAIL (exit $rc)") in $(( $(date +%s) - t0 )) s" | tee -a "$summary"
        [ $rc -eq 0 ] || failed=1
    }

    # the environment as Java sees it, with JavaCPP naming every library file it loads; fails when the backend is not
    # available (nothing after it could pass)
    step env 60 "$checks" "${java[@]}" -Dorg.bytedeco.javacpp.logger.debug=true \
        io.inrank.model.backend.cuda.GpuCheck env --require "$backend"
    grep -E 'Loading|Loaded' "$log" | sed 's/^/javacpp: /' >>"$out/env.txt"
    # every kernel family through the host's own NVRTC with the backend's options, outside Java (errors into env.txt)
    local nvrtc_lib arch
    nvrtc_lib=$(nvrtc_library "$libdirs")
    arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d '. ')
    if [ $emulated -eq 0 ] && [ -n "$nvrtc_lib" ] && [ -n "$arch" ] && [ "$backend" = cuda ]; then
        local py3
        py3=$(ls /opt/torch/.venv/bin/python /usr/bin/python3 2>/dev/null | head -1)
        step "nvrtc units" 60 "$out/env.txt" "${java[@]}" io.inrank.model.backend.cuda.GpuCheck units --out "$unpacked/units"
        step "nvrtc pre-compile" 90 "$out/env.txt" "$py3" bench/nvrtc_precompile.py "$unpacked/units" "sm_$arch" "$nvrtc_lib"
    else
        echo "== nvrtc pre-compile: not run (emulated $emulated, libnvrtc '${nvrtc_lib}', arch '${arch}')" >>"$out/env.txt"
    fi
    step conformance 240 "$out/conformance.txt" \
        env INRANK_CONFORMANCE_BACKENDS="$backend" "${java[@]}" io.inrank.model.backend.ConformanceMain
    if [ $quick -eq 0 ]; then # the one-thread-per-row attention kernels too (the default is attention on cuBLAS)
        step "conformance (row attention)" 240 "$out/conformance-rows.txt" env INRANK_CONFORMANCE_BACKENDS="$backend" \
            INRANK_CUDA_ATTENTION=rows "${java[@]}" io.inrank.model.backend.ConformanceMain
    fi
    local repeat=2
    [ $quick -eq 1 ] && repeat=1
    step losses 120 "$checks" "${java[@]}" io.inrank.model.backend.cuda.GpuCheck losses --backend "$backend" --repeat $repeat
    step spectra 120 "$checks" "${java[@]}" io.inrank.model.backend.cuda.GpuCheck spectra --backend "$backend"
    # data parallelism's NCCL path through the backend (a one-replica group: two ranks would need two GPUs), at bf16 so
    # that the overlapped buckets show whether the reduction and compute streams wait for each other
    step collectives 60 "$checks" "${java[@]}" io.inrank.model.backend.cuda.GpuCheck collectives --backend "$backend" \
        --precision bf16

    local python=""
    for p in /opt/torch/.venv/bin/python /usr/bin/python3; do
        if [ -x "$p" ] && "$p" -c 'import torch' 2>/dev/null; then python=$p; break; fi
    done
    if [ $quick -eq 1 ]; then
        step "bench tiny" 120 "$bench" "${java[@]}" io.inrank.model.backend.cuda.GpuCheck train --backend "$backend" \
            --preset tiny --batch 1 --seq 16 --steps 1 --warmup 0
    else
        # what fits the deadline: gpt2-small full vs InRank-efficient (r = 254) at B 8 × T 1024 in bf16 and tf32, fp32
        # full once, gpt2-medium B 8 bf16 full vs r = 287; each followed by its PyTorch twin
        local cases=("gpt2-small full -1 8 bf16" "gpt2-small efficient 254 8 bf16" "gpt2-small full -1 8 tf32"
            "gpt2-small efficient 254 8 tf32" "gpt2-small full -1 8 fp32" "gpt2-medium full -1 8 bf16"
            "gpt2-medium efficient 287 8 bf16")
        for c in "${cases[@]}"; do
            read -r preset mode rank b prec <<<"$c"
            step "bench $c" 60 "$bench" "${java[@]}" io.inrank.model.backend.cuda.GpuCheck train --backend "$backend" \
                --precision "$prec" --peak-tflops "$(peak_tflops "$gpu" "$prec")" --preset "$preset" --mode "$mode" \
                --rank "$rank" --batch "$b" --seq 1024 --steps 10 --warmup 3
            if [ -n "$python" ] && [ "$backend" = cuda ]; then
                step "torch $c" 60 "$bench" "$python" bench/torch_reference.py --device cuda --sdpa --precision "$prec" \
                    --preset "$preset" --mode "$mode" --rank "$rank" --batch "$b" --seq 1024 --steps 10 --warmup 3
            fi
        done
    fi
    echo "gpu-check: $([ $failed -eq 0 ] && echo 'all passed' || echo 'FAILURES (see run.log)') in $(( $(date +%s) - started )) s of the ${deadline} s deadline; results in $out" | tee -a "$summary"
    return $failed
}

case "${1:-}" in
    pack) pack ;;
    run) shift; run "$@" ;;
    local) bash "$0" pack || exit 1 # its own process: set -e is void in a subshell tested with ||
        ./mvnw -q -B install -pl cuda-emulator || exit 1
        INRANK_CUDA_EMULATION=1 run --backend cuda --quick --out "${OUT:-$BUNDLE_DIR/out-local}" ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
esac
