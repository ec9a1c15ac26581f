#!/usr/bin/env bash
# Reproduce the build benchmarks (see docs/performance.md).
#   benchmarks/run.sh                  corpus 1 (stdlib without tests), 1 and 2 workers
#   benchmarks/run.sh --corpus full    corpus 2 (the whole stdlib)
#   benchmarks/run.sh --workers 4      any bench_build.py option is passed through
# Results are printed and kept as JSON in benchmarks/results/ (ignored by git).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
py="${PYTHON:-$root/.venv/bin/python}"
cd "$root"
if [[ " $* " == *" --workers "* ]]; then
  exec "$py" "$here/bench_build.py" "$@"
fi
for w in 1 2; do
  "$py" "$here/bench_build.py" --workers "$w" "$@"
  echo
done
