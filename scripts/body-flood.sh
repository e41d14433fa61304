#!/usr/bin/env bash
# Resource-exhaustion check (issue 14, finding 2): 32 concurrent 16 MiB OIP bodies against a published Production
# server, sampling its RSS and /health/live while they are in flight. Usage:
#   scripts/publish.sh artifacts/publish && scripts/body-flood.sh artifacts/publish
set -uo pipefail
PUB=${1:-artifacts/publish}; PORT=${PORT:-5096}
WORK=$(mktemp -d); PW="flood-password-$RANDOM$RANDOM"
ASPNETCORE_ENVIRONMENT=Production Admin__Password="$PW" Database__Path="$WORK/data/hiportal.db" Logging__LogLevel__Default=Warning \
  Kestrel__Endpoints__Http__Url="http://127.0.0.1:$PORT" Kestrel__Endpoints__Https__Url="https://127.0.0.1:0" \
  dotnet "$PUB/HiPortal.Server.dll" > "$WORK/server.log" 2>&1 &
S=$!; trap 'kill $S 2>/dev/null; rm -rf "$WORK"' EXIT
until curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null; do sleep 0.5; done
TOKEN=$(curl -s -H 'content-type: application/json' "http://127.0.0.1:$PORT/api/v1/auth/token" \
  -d "{\"username\":\"admin\",\"password\":\"$PW\"}" | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')
# One valid sample of the bundled large model, padded with whitespace to 16 MiB.
python3 - "$WORK/body.json" <<'PY'
import json, sys
body = json.dumps({"inputs": [{"name": "input", "shape": [1, 1, 28, 28], "datatype": "FP32", "data": [0.5] * 784}]})
open(sys.argv[1], "w").write(body.ljust(16 * 1024 * 1024 - 16))
PY
echo "rss before: $(( $(ps -o rss= -p $S) / 1024 )) MiB"
for i in $(seq 32); do
  curl -s -o /dev/null -w '%{http_code}\n' -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    --data-binary @"$WORK/body.json" "http://127.0.0.1:$PORT/v2/models/fashion-large/infer" >> "$WORK/codes.txt" &
done
PEAK=0; H=()
for i in $(seq 20); do
  r=$(( $(ps -o rss= -p $S) / 1024 )); (( r > PEAK )) && PEAK=$r
  H+=("$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT/health/live")"); sleep 0.25
done
wait $(jobs -p | grep -v "^$S$") 2>/dev/null
echo "rss peak during 32 concurrent 16 MiB bodies: $PEAK MiB; after: $(( $(ps -o rss= -p $S) / 1024 )) MiB"
echo "status codes: $(sort "$WORK/codes.txt" | uniq -c | tr '\n' ' ')"
printf '%s\n' "${H[@]}" | sort -n | awk '{a[NR]=$1} END {print "health/live p50 " a[int(NR/2)+1] " s, max " a[NR] " s"}'
