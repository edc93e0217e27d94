#!/usr/bin/env bash
# The GPU check of the cuda backend: everything it needs travels as one bundle (a jlink'd Java runtime and the class
# path without ND4J), because the GPU host has no Java, no Maven and no network.
#
#   bench/gpu-check.sh pack     build here; write .gpu-check/bundle.tar.xz (runtime + jars, must stay under 60 MiB)
#   bench/gpu-check.sh run [--backend cuda] [--out DIR] [--quick]
#                               on the GPU host, from the repository root with .gpu-check/ beside it: probe the host,
#                               then the conformance suites, the 20-step losses, the InRank spectra check and the
#                               benches with their PyTorch twins; JSON lines and logs into DIR (default $OUT, else
#                               .gpu-check/out), 7 files
#   bench/gpu-check.sh local    pack, then run --backend reference --quick here: the whole Java side without a GPU
#
# Exit status: 0 when every check passed, 1 when one failed (the summary says which), 2 on usage errors.
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

# The directories holding the CUDA 13 libraries the JNI bindings link (by name, wherever the host keeps them).
cuda_library_path() {
    find / \( -path /proc -o -path /sys -o -path /dev \) -prune -o \( -name 'libcudart.so.13*' -o -name 'libnvrtc.so.13*' \
        -o -name 'libcublasLt.so.13*' -o -name 'libcusolver.so.12*' -o -name 'libnvJitLink.so.13*' \
        -o -name 'libcusparse.so.12*' \) -print 2>/dev/null | xargs -r -n1 dirname | sort -u | paste -sd: -
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
    local backend=cuda out=${OUT:-$BUNDLE_DIR/out} quick=0
    while [ $# -gt 0 ]; do
        case "$1" in
            --backend) backend=$2; shift 2 ;;
            --out) out=$2; shift 2 ;;
            --quick) quick=1; shift ;;
            *) echo "gpu-check run: unknown option $1" >&2; exit 2 ;;
        esac
    done
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

    {   # the host, as found
        echo "== date"; date -u
        echo "== nvidia-smi"; nvidia-smi 2>&1 || echo "(no nvidia-smi)"
        echo "== driver"; cat /proc/driver/nvidia/version 2>&1 || true
        echo "== CUDA libraries (ldconfig)"; ldconfig -p 2>/dev/null | grep -E 'cublas|cusolver|nccl|nvrtc|libcuda\.' || true
        echo "== CUDA 13 library directories found"; cuda_library_path
        echo "== /usr/local/cuda*"; ls -d /usr/local/cuda* 2>&1 || true
        echo "== glibc"; ldd --version 2>&1 | head -1
        echo "== java"; "$unpacked/jre/bin/java" -version 2>&1
    } >"$out/env.txt" 2>&1

    export LD_LIBRARY_PATH=$(cuda_library_path)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export INRANK_CACHE=${INRANK_CACHE:-$unpacked/cache}
    local java=("$unpacked/jre/bin/java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -Xmx16g -cp "$cp")
    local gpu
    gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)

    step() { # name, timeout seconds, output file, command…
        local name=$1 limit=$2 file=$3 t0 rc
        shift 3
        t0=$(date +%s)
        timeout "$limit" "$@" >>"$file" 2>>"$log"
        rc=$?
        echo "$name: $([ $rc -eq 0 ] && echo pass || echo "FAIL (exit $rc)") in $(( $(date +%s) - t0 )) s" | tee -a "$summary"
        [ $rc -eq 0 ] || failed=1
    }

    step env 60 "$checks" "${java[@]}" io.inrank.model.backend.cuda.GpuCheck env
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

    local python=""
    for p in /opt/torch/.venv/bin/python /usr/bin/python3; do
        if [ -x "$p" ] && "$p" -c 'import torch' 2>/dev/null; then python=$p; break; fi
    done
    if [ $quick -eq 1 ]; then
        step "bench tiny" 120 "$bench" "${java[@]}" io.inrank.model.backend.cuda.GpuCheck train --backend "$backend" \
            --preset tiny --batch 1 --seq 16 --steps 1 --warmup 0
    else
        # gpt2-small full vs InRank-efficient (r = 254) at B 16 and 8 × T 1024, each precision; gpt2-medium B 8 bf16
        local cases=()
        for prec in bf16 tf32 fp32; do
            for b in 16 8; do
                cases+=("gpt2-small full -1 $b $prec" "gpt2-small efficient 254 $b $prec")
            done
        done
        cases+=("gpt2-medium full -1 8 bf16" "gpt2-medium efficient 287 8 bf16")
        for c in "${cases[@]}"; do
            read -r preset mode rank b prec <<<"$c"
            step "bench $c" 90 "$bench" "${java[@]}" io.inrank.model.backend.cuda.GpuCheck train --backend "$backend" \
                --precision "$prec" --peak-tflops "$(peak_tflops "$gpu" "$prec")" --preset "$preset" --mode "$mode" \
                --rank "$rank" --batch "$b" --seq 1024 --steps 10 --warmup 3
            if [ -n "$python" ] && [ "$backend" = cuda ]; then
                step "torch $c" 90 "$bench" "$python" bench/torch_reference.py --device cuda --sdpa --precision "$prec" \
                    --preset "$preset" --mode "$mode" --rank "$rank" --batch "$b" --seq 1024 --steps 10 --warmup 3
            fi
        done
    fi
    echo "gpu-check: $([ $failed -eq 0 ] && echo 'all passed' || echo 'FAILURES (see run.log)'); results in $out" | tee -a "$summary"
    return $failed
}

case "${1:-}" in
    pack) pack ;;
    run) shift; run "$@" ;;
    local) (pack) || exit 1; run --backend reference --quick --out "${OUT:-$BUNDLE_DIR/out-local}" ;;
    *) sed -n '2,13p' "$0"; exit 2 ;;
esac
