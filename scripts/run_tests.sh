#!/usr/bin/env bash
# Run the test suite the way the README and CI do.
#
# With no arguments: first the browser tests (marked `browser`) in one process, where one
# Chromium and one live server serve them all; then everything else in parallel
# (pytest-xdist, one process per core, a module's tests kept together so module-scoped
# fixtures such as an embedded Celery worker start once).
# With arguments: plain `pytest ARGS...`.
#
# pytest exits 5 when it collected no tests. For the main run that means the suite is broken
# (it always has tests), so it fails; for the browser run it only means there are none yet.
#
# JUNIT_DIR=dir writes a JUnit XML report per run there (CI adds them up for its summary).
set -uo pipefail
cd "$(dirname "$0")/.."
PYTEST="${VENV:-.venv}/bin/pytest"

if [[ $# -gt 0 ]]; then
  "$PYTEST" "$@"
  exit $?
fi

junit() {
  if [[ -n "${JUNIT_DIR:-}" ]]; then
    mkdir -p "$JUNIT_DIR"
    echo "--junitxml=$JUNIT_DIR/$1.xml"
  fi
}

workers="${PYTEST_WORKERS:-auto}"
status=0

echo "== browser tests (one process)"
# shellcheck disable=SC2046
"$PYTEST" -m browser $(junit browser)
rc=$?
if [[ $rc -eq 5 ]]; then
  echo "run_tests: no browser tests collected"
elif [[ $rc -ne 0 ]]; then
  status=$rc
fi

echo "== all other tests (workers: $workers)"
parallel=()
if [[ "$workers" != "0" ]]; then
  parallel=(-n "$workers" --dist loadfile)
fi
# shellcheck disable=SC2046
"$PYTEST" -m "not browser" "${parallel[@]}" $(junit main)
rc=$?
if [[ $rc -eq 5 ]]; then
  echo "run_tests: no tests were collected; the suite is broken" >&2
  status=1
elif [[ $rc -ne 0 && $status -eq 0 ]]; then
  status=$rc
fi

exit $status
