#!/usr/bin/env bash
# Two builds of the server's own cost, side by side in one run: scripts/bench-ab.sh BASE [ROUNDS=2] [BENCH ARGS...]
# Or one build, two runtime settings of its servers: scripts/bench-ab.sh --server-env=NAME=VALUE [ROUNDS] [BENCH ARGS...]
# (base: the working tree as it is; new: the working tree with NAME=VALUE in its servers' environment only).
#
# On a shared machine the server's CPU per offload swings by 2x between runs minutes apart, so a "before" run and an
# "after" run taken one after the other compare the machine, not the builds. This builds BASE (any git ref) in a
# throwaway worktree, then runs the bench of BASE and of the working tree *at the same time*, ROUNDS times, with the
# same arguments (default: the trivial model at 256 devices, one instance, no ceiling run). Both see the same
# machine, and they compete for it evenly, so each figure is inflated but the ratio new/base is what to read.
# Prints one line per server configuration and round, and the mean ratio per configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:?usage: scripts/bench-ab.sh BASE|--server-env=NAME=VALUE [ROUNDS] [bench args...]}
shift
KNOB=
if [[ $BASE == --server-env=* ]]; then KNOB=${BASE#--server-env=}; fi
ROUNDS=2
if [[ ${1:-} =~ ^[0-9]+$ ]]; then ROUNDS=$1; shift; fi
ARGS=("$@")
[ ${#ARGS[@]} -eq 0 ] && ARGS=(--model trivial --devices 256 --seconds 20 --instances 1 --ceiling none --server-warmup 30)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hiportal-ab.XXXXXX")
cleanup() { git worktree remove --force "$WORK/base" > /dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
BASE_DIR=$WORK/base
NEW_ARGS=()
if [ -n "$KNOB" ]; then
  BASE_DIR=$PWD
  NEW_ARGS=(--server-env "$KNOB")
  echo "building the working tree; new: its servers with $KNOB"
else
  git worktree add --detach -q "$WORK/base" "$BASE"
  echo "building $BASE ($(git rev-parse --short "$BASE")) and the working tree"
  dotnet build "$WORK/base/src/HiPortal.Bench" -c Release -warnaserror > "$WORK/base-build.log"
fi
dotnet build src/HiPortal.Bench -c Release -warnaserror > "$WORK/new-build.log"

for round in $(seq 1 "$ROUNDS"); do
  for side in base new; do
    dir=$BASE_DIR; extra=(); [ $side = new ] && dir=$PWD && extra=("${NEW_ARGS[@]}")
    (cd "$dir" && dotnet run -c Release --no-build --project src/HiPortal.Bench -- "${ARGS[@]}" "${extra[@]}" \
      --out "$WORK/$side-$round" > "$WORK/$side-$round.log" 2>&1) &
  done
  wait
done

python3 - "$WORK" "$ROUNDS" <<'EOF'
import json, sys
work, rounds = sys.argv[1], int(sys.argv[2])
ratios = {}
print(f"{'round':>5} {'config':<12} {'base µs':>9} {'new µs':>9} {'new/base':>9} {'base /s':>9} {'new /s':>9} {'batch b/n':>11} {'p50 ms b/n':>12} {'JIT µs b/n':>12}")
for r in range(1, rounds + 1):
    runs = {side: {s['config']: s for s in json.load(open(f"{work}/{side}-{r}/bench.json"))['served']} for side in ('base', 'new')}
    for config, b in runs['base'].items():
        n = runs['new'].get(config)
        if n is None:
            continue
        bu, nu = b['serverCpuMsPerSample'] * 1000, n['serverCpuMsPerSample'] * 1000
        ratios.setdefault(config, []).append(nu / bu)
        print(f"{r:>5} {config:<12} {bu:>9.1f} {nu:>9.1f} {nu / bu:>9.3f} {b['samplesPerSecond']:>9.0f} {n['samplesPerSecond']:>9.0f}"
              f" {b['meanBatchSize']:>5.1f}/{n['meanBatchSize']:<5.1f} {b['p50Ms']:>6.1f}/{n['p50Ms']:<5.1f}"
              f" {b.get('serverJitMsPerSample', 0) * 1000:>6.1f}/{n.get('serverJitMsPerSample', 0) * 1000:<5.1f}")
for config, values in ratios.items():
    print(f"mean new/base server CPU per offload, {config}: {sum(values) / len(values):.3f} over {len(values)} rounds")
EOF
