#!/usr/bin/env bash
# The GPU run of the bench (issue 12), in two halves, because the GPU machine has no .NET and takes at most 64 MiB
# per call:
#   scripts/gpu-bench.sh stage [dir=artifacts/gpu]   here: a self-contained, CUDA-enabled publish of the bench,
#                                                     xz-compressed and cut into 60 MiB parts, with their sha256
#   scripts/gpu-bench.sh run [dir=artifacts/gpu] [out=$OUT]
#                                                     there, after every part has arrived (one part per call; a warm
#                                                     machine keeps /tmp between calls, so copy each part to /tmp/gpu
#                                                     first): joins and checks the parts, points LD_LIBRARY_PATH at the
#                                                     CUDA 13 / cuDNN 9 libraries inside the machine's PyTorch, and
#                                                     runs the bench on the CUDA provider; bench.json and the server's
#                                                     /metrics land in out.
# GPU_BENCH_PROVIDER=Cpu publishes and runs both halves for this machine's CPU, which is how the script is tested here
# (GPU_BENCH_DEVICES, GPU_BENCH_SECONDS and GPU_BENCH_WARMUP shorten the run).
set -euo pipefail
cd "$(dirname "$0")/.."
VERB=${1:?stage or run}; DIR=${2:-artifacts/gpu}
case "$VERB" in
stage)
  GPU=true; [ "${GPU_BENCH_PROVIDER:-Cuda}" = Cpu ] && GPU=false
  rm -rf "$DIR"; mkdir -p "$DIR"
  dotnet publish src/HiPortal.Bench -c Release -r linux-x64 --self-contained -p:OnnxRuntimeGpu=$GPU -warnaserror \
    -o "$DIR/bench" > "$DIR/publish.log"
  # The server the bench starts serves the dashboard too and refuses to start without its web assets, which only a
  # publish of the server itself lays out (wwwroot/).
  dotnet publish src/HiPortal.Server -c Release -warnaserror -o "$DIR/server" >> "$DIR/publish.log"
  mkdir -p "$DIR/bench/wwwroot"; cp -r "$DIR/server/wwwroot/." "$DIR/bench/wwwroot/"
  # MapStaticAssets reads the entry assembly's endpoints manifest: the bench's, when the bench hosts the server.
  cp "$DIR/server/HiPortal.Server.staticwebassets.endpoints.json" "$DIR/bench/HiPortal.Bench.staticwebassets.endpoints.json"
  rm -rf "$DIR/server"
  [ -d "$DIR/bench/models" ] || cp -r models "$DIR/bench/models"
  # The bench posts Fashion-MNIST test images; the GPU machine has no Debian dataset package.
  mkdir -p "$DIR/bench/fashion-mnist"
  cp /usr/share/datasets/fashion-mnist/t10k-* "$DIR/bench/fashion-mnist/"
  tar -C "$DIR" -cf - bench | xz -T0 -6 > "$DIR/bench.tar.xz"
  rm -rf "$DIR/bench"
  split -b 60M -d "$DIR/bench.tar.xz" "$DIR/bench.tar.xz.part"
  rm "$DIR/bench.tar.xz"
  (cd "$DIR" && sha256sum bench.tar.xz.part* > SHA256SUMS)
  ls -l "$DIR"
  ;;
run)
  OUTPUT=${3:-${OUT:-artifacts/gpu/out}}; mkdir -p "$OUTPUT"
  (cd "$DIR" && sha256sum -c SHA256SUMS)
  WORK=/tmp/hiportal-gpu; rm -rf "$WORK"; mkdir -p "$WORK"
  cat "$DIR"/bench.tar.xz.part* | xz -d | tar -C "$WORK" -xf -
  PROVIDER=${GPU_BENCH_PROVIDER:-Cuda}
  if [ "$PROVIDER" = Cuda ]; then
    # The CUDA/cuDNN wheels PyTorch depends on install under the `nvidia` namespace package, wherever pip put it.
    NVIDIA=$(python3 -c 'import nvidia; print(list(nvidia.__path__)[0])')
    LD_LIBRARY_PATH=$(ls -d "$NVIDIA"/*/lib | paste -sd:)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export LD_LIBRARY_PATH
    nvidia-smi --query-gpu=name,memory.total --format=csv | tee "$OUTPUT/gpu.txt"
  fi
  cd "$WORK/bench"
  DATA=$PWD/fashion-mnist
  # shellcheck disable=SC2086 # the device counts are meant to split into words
  ./HiPortal.Bench --provider "$PROVIDER" --model fashion-large --max-batch 64 --devices ${GPU_BENCH_DEVICES:-1 8 64 256} \
    --seconds "${GPU_BENCH_SECONDS:-3}" --server-warmup "${GPU_BENCH_WARMUP:-60}" --raw-rounds "${GPU_BENCH_RAW_ROUNDS:-1}" --data "$DATA" --out "$OUTPUT" 2>&1 \
    | tee "$OUTPUT/bench.log"
  ;;
*) echo "usage: $0 stage|run [dir] [out]" >&2; exit 2 ;;
esac
