#!/usr/bin/env bash
# A production build of the server: publish, then run it from the published folder. Usage:
#   scripts/publish.sh [out=artifacts/publish] [more dotnet publish arguments, e.g. -p:PublishReadyToRun=false]
#   ASPNETCORE_ENVIRONMENT=Production Admin__Password=... Database__Path=/var/lib/hiportal/hiportal.db \
#     dotnet artifacts/publish/HiPortal.Server.dll
# The published folder holds wwwroot/ (Blazor's script, MudBlazor's files, the site CSS); the server refuses to start
# when they are missing rather than serve an empty dashboard.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-artifacts/publish}
dotnet publish src/HiPortal.Server -c Release -warnaserror -o "$OUT" "${@:2}"
for asset in _framework/blazor.web.js _content/MudBlazor/MudBlazor.min.css css/hiportal.css; do
  test -s "$OUT/wwwroot/$asset" || { echo "missing $OUT/wwwroot/$asset" >&2; exit 1; }
done
echo "published to $OUT"
