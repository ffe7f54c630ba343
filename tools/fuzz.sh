#!/usr/bin/env bash
# Runs every `go test -fuzz` target of the module for FUZZTIME each, JOBS
# targets at a time with one fuzzing worker each (on two cores, two
# targets of 30 s take 30 s, not 60). A target Go's fuzz engine stops with
# "context deadline exceeded" and no failing input (a worker that did not
# stop in time, not a crash) runs once more; any failing input fails the
# run, and `go test` has written it under testdata/fuzz to become a test.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-20s}
JOBS=${JOBS:-2}
GO=${GO:-go}
export FUZZTIME GO

fuzz_one() {
  local pkg=$1 target=$2 out
  out=$(mktemp)
  for attempt in 1 2; do
    if "$GO" test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" -fuzzminimizetime 2s \
      -parallel 1 >"$out" 2>&1; then
      echo "ok   $target ($pkg) $(grep -o 'execs: [0-9]*' "$out" | tail -1)"
      rm -f "$out"
      return 0
    fi
    if [[ $attempt == 1 ]] && grep -q 'context deadline exceeded' "$out" && ! grep -q 'Failing input written' "$out"; then
      echo "note $target: the fuzz engine timed out stopping a worker, with no failing input; running it again"
      continue
    fi
    echo "FAIL $target ($pkg)"
    cat "$out"
    rm -f "$out"
    return 1
  done
}
export -f fuzz_one

for pkg in $("$GO" list ./...); do
  for t in $("$GO" test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "$pkg $t"
  done
done | xargs -P "$JOBS" -L 1 bash -c 'fuzz_one "$@"' _
