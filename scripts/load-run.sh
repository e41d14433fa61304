#!/usr/bin/env bash
# The load scenario (not a test): N simulated devices for D seconds against one server on this machine, with the
# server's resident memory sampled every 10 s. Usage: scripts/load-run.sh [devices=1000] [seconds=300] [rate=1]
set -euo pipefail
cd "$(dirname "$0")/.."
DEVICES=${1:-1000}; SECONDS_TO_RUN=${2:-300}; RATE=${3:-1}
OUT=artifacts/load; mkdir -p "$OUT"; WORK=$(mktemp -d)
PORT=5090; PASSWORD="load-$(date +%s)-$RANDOM"
dotnet build -c Release src/HiPortal.Cli -warnaserror > "$OUT/build.log"
# The server runs as in production: from its published folder (web assets under wwwroot/).
# PUBLISH_ARGS: extra dotnet publish arguments for an A/B, e.g. PUBLISH_ARGS=-p:PublishReadyToRun=false
scripts/publish.sh "$WORK/server" ${PUBLISH_ARGS:-} >> "$OUT/build.log"
ASPNETCORE_ENVIRONMENT=Production Admin__Password="$PASSWORD" Database__Path="$WORK/load.db" Tls__Directory="$WORK/tls" \
  Kestrel__Endpoints__Http__Url="http://127.0.0.1:$PORT" Kestrel__Endpoints__Https__Url="https://127.0.0.1:0" \
  Logging__LogLevel__Default=Warning \
  dotnet "$WORK/server/HiPortal.Server.dll" > "$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
until curl -sf "http://127.0.0.1:$PORT/health/ready" > /dev/null; do sleep 0.5; done
# Each 10 s: the server's RSS, and the share of CPU time the hypervisor gave to other guests (steal, from /proc/stat).
# On a shared host the same build's p99 swings severalfold between runs; the steal column says which runs were starved.
echo "seconds,rss_mib,steal_pct" > "$OUT/memory.csv"
cpu_times() { awk '/^cpu /{ total=0; for (i = 2; i <= 9; i++) total += $i; print total, $9 }' /proc/stat; }
( start=$(date +%s); read -r total0 steal0 < <(cpu_times); while kill -0 $SERVER 2>/dev/null; do
    read -r total steal < <(cpu_times)
    echo "$(( $(date +%s) - start )),$(( $(ps -o rss= -p $SERVER) / 1024 )),$(( total > total0 ? 100 * (steal - steal0) / (total - total0) : 0 ))" >> "$OUT/memory.csv"
    total0=$total; steal0=$steal; sleep 10; done ) &
dotnet src/HiPortal.Cli/bin/Release/net10.0/linux-x64/hiportal.dll simulate --server "http://127.0.0.1:$PORT" \
  --devices "$DEVICES" --rate "$RATE" --duration "$SECONDS_TO_RUN" --admin-password "$PASSWORD" --fleet load \
  --out "$OUT/simulation.json" | tee "$OUT/simulate.log"
curl -s "http://127.0.0.1:$PORT/metrics" > "$OUT/metrics.txt"
echo "memory (MiB) every 10 s:"; cut -d, -f2 "$OUT/memory.csv" | tail -n +2 | tr '\n' ' '; echo
echo "CPU steal (%) every 10 s:"; cut -d, -f3 "$OUT/memory.csv" | tail -n +2 | tr '\n' ' '; echo
echo "server JIT and CPU seconds over the run (from /metrics):"
grep -E '^dotnet_jit_compilation_time_seconds_total|^dotnet_process_cpu_time_seconds_total' "$OUT/metrics.txt" || true
