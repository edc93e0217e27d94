#!/usr/bin/env bash
# Builds (and with --push pushes) the four service images, plus the trainer's and the server's CUDA images with --cuda
# (the same jars on an NVIDIA CUDA 13.1 runtime base; they run with --backend cuda --precision bf16).
#   k8s/images/build.sh REGISTRY [--push] [--cuda]
# Then point the overlays at REGISTRY: cd k8s/overlays/gpu && kustomize edit set image inrank/trainer=REGISTRY/inrank/trainer:0.1.0-cuda …
set -euo pipefail
cd "$(dirname "$0")/../.."
registry="${1:?usage: k8s/images/build.sh REGISTRY [--push] [--cuda]}"; shift
push=0; cuda=0
for a in "$@"; do case "$a" in --push) push=1 ;; --cuda) cuda=1 ;; *) echo "unknown option $a" >&2; exit 2 ;; esac; done
version=0.1.0
./mvnw -B -q package -DskipTests -pl data-ingest,rank-controller,trainer,inference -am
for m in data-ingest rank-controller trainer inference; do
  docker build -f k8s/images/Dockerfile.jvm --build-arg MODULE=$m -t "$registry/inrank/$m:$version" .
  [ $push = 0 ] || docker push "$registry/inrank/$m:$version"
done
if [ $cuda = 1 ]; then
  for m in trainer inference; do
    docker build -f k8s/images/Dockerfile.cuda --build-arg MODULE=$m -t "$registry/inrank/$m:$version-cuda" .
    [ $push = 0 ] || docker push "$registry/inrank/$m:$version-cuda"
  done
fi
