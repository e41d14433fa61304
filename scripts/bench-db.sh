#!/usr/bin/env bash
# SQLite vs PostgreSQL, one run side by side: the bench's served runs (dynamic batching and batch 1) once on each
# database, on the same machine, then one table of throughput, p99 and store time per batch (the server's
# hiportal.store.duration histogram: one transaction per batch). PostgreSQL is a throwaway cluster (scripts/services.sh).
# A third run: two instances on one PostgreSQL database and one Redis (scale-out), the same devices spread over both.
# Usage: scripts/bench-db.sh [devices=64] [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/.."
DEVICES=${1:-64}; SECONDS_PER_RUN=${2:-10}
OUT=artifacts/bench-db; rm -rf "$OUT"; mkdir -p "$OUT"
dotnet build -c Release src/HiPortal.Bench -warnaserror > "$OUT/build.log"
BENCH=src/HiPortal.Bench/bin/Release/net10.0/linux-x64/HiPortal.Bench.dll
[ -f "$BENCH" ] || BENCH=src/HiPortal.Bench/bin/Release/net10.0/HiPortal.Bench.dll
eval "$(./scripts/services.sh start)"
REDIS_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --pidfile "$HIPORTAL_SERVICES_DIR/redis.pid" >/dev/null
trap 'kill "$(cat "$HIPORTAL_SERVICES_DIR/redis.pid")" 2>/dev/null; ./scripts/services.sh stop "$HIPORTAL_SERVICES_DIR"' EXIT
until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.1; done
PSQL=$(echo "$HIPORTAL_TEST_POSTGRES" | sed 's/Host=/host=/;s/;Port=/ port=/;s/;Username=/ user=/')
# The bench starts each server as a child process, which inherits these settings.
dotnet "$BENCH" --devices "$DEVICES" --seconds "$SECONDS_PER_RUN" --out "$OUT/sqlite" > "$OUT/sqlite.log"
psql "$PSQL" -qc 'CREATE DATABASE bench'
Database__Provider=Postgres ConnectionStrings__Postgres="$HIPORTAL_TEST_POSTGRES;Database=bench" \
  dotnet "$BENCH" --devices "$DEVICES" --seconds "$SECONDS_PER_RUN" --out "$OUT/postgres" > "$OUT/postgres.log"
psql "$PSQL" -qc 'CREATE DATABASE bench2'
Database__Provider=Postgres ConnectionStrings__Postgres="$HIPORTAL_TEST_POSTGRES;Database=bench2" \
  ConnectionStrings__Redis="127.0.0.1:$REDIS_PORT" ScaleOut__Deployment=bench \
  dotnet "$BENCH" --devices "$DEVICES" --seconds "$SECONDS_PER_RUN" --servers 2 --out "$OUT/postgres-x2" > "$OUT/postgres-x2.log"
/usr/bin/python3 - "$OUT" <<'PY'
import glob, json, re, sys, os
out = sys.argv[1]
def store(directory, config):
    # Every instance's histogram (metrics-{config}.txt, then metrics-{config}.1.txt ...), summed.
    s = c = 0.0
    for path in glob.glob(os.path.join(directory, f"metrics-{config}.txt")) + glob.glob(os.path.join(directory, f"metrics-{config}.*.txt")):
        text = open(path).read()
        s += sum(float(v) for v in re.findall(r'^hiportal_store_duration_seconds_sum\S* (\S+)', text, re.M))
        c += sum(float(v) for v in re.findall(r'^hiportal_store_duration_seconds_count\S* (\S+)', text, re.M))
    return 1000 * s / c if c else float('nan'), c
print(f"{'database':<11} {'server':<8} {'devices':>7} {'samples/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'mean batch':>10} {'store ms/batch':>14} {'batches':>8}")
for db in ("sqlite", "postgres", "postgres-x2"):
    report = json.load(open(os.path.join(out, db, "bench.json")))
    for r in report["served"]:
        ms, n = store(os.path.join(out, db), r['config'])
        print(f"{db:<11} {r['config']:<8} {r['devices']:>7} {r['samplesPerSecond']:>10.0f} {r['p50Ms']:>7.2f} {r['p99Ms']:>7.2f} {r['meanBatchSize']:>10.1f} {ms:>14.2f} {n:>8.0f}")
PY
