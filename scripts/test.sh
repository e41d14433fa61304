#!/usr/bin/env bash
# The README's test command: installs prerequisites, builds with warnings as errors, runs every test, then runs the
# server's integration suite a second time on PostgreSQL (a throwaway cluster from scripts/services.sh, stopped on
# every exit path).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-prereqs.sh
dotnet build HiPortal.sln -c Release -warnaserror
eval "$(./scripts/services.sh start)"
trap './scripts/services.sh stop "$HIPORTAL_SERVICES_DIR"' EXIT
dotnet test HiPortal.sln -c Release --no-build --logger "console;verbosity=normal" "$@"
HIPORTAL_TEST_PROVIDER=Postgres dotnet test tests/HiPortal.Server.Tests -c Release --no-build --logger "console;verbosity=normal" "$@"
