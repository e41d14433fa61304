#!/usr/bin/env bash
# The README's test command: installs prerequisites, builds with warnings as errors, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-prereqs.sh
dotnet build HiPortal.sln -c Release -warnaserror
dotnet test HiPortal.sln -c Release --no-build --logger "console;verbosity=normal" "$@"
