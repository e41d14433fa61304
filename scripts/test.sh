#!/usr/bin/env bash
# The README's test command: installs prerequisites, builds with warnings as errors, runs every test, then runs the
# server's integration suite a second time on PostgreSQL (a throwaway cluster from scripts/services.sh, stopped on
# every exit path). The test output is also kept in a log; on a failure, the failed tests and their messages are
# printed again last, so that the tail of a long CI log names them.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-prereqs.sh
dotnet build HiPortal.sln -c Release -warnaserror
eval "$(./scripts/services.sh start)"
log=$(mktemp "${TMPDIR:-/tmp}/hiportal-test.XXXXXX.log")
finish() {
  local rc=$?
  ./scripts/services.sh stop "$HIPORTAL_SERVICES_DIR"
  if [ "$rc" -ne 0 ] && grep -qE '^\s+Failed [A-Za-z]' "$log"; then
    echo
    echo "=== failed tests (from $log) ==="
    # Each failure: its name, then its message and stack trace up to the next test's line.
    awk '/^[[:space:]]+Failed [A-Za-z]/ { on = 1; n = 0 }
         on && /^[[:space:]]+Passed [A-Za-z]/ { on = 0 }
         on && n++ < 40' "$log"
  fi
  exit "$rc"
}
trap finish EXIT
dotnet test HiPortal.sln -c Release --no-build --logger "console;verbosity=normal" "$@" 2>&1 | tee -a "$log"
HIPORTAL_TEST_PROVIDER=Postgres dotnet test tests/HiPortal.Server.Tests -c Release --no-build \
  --logger "console;verbosity=normal" "$@" 2>&1 | tee -a "$log"
