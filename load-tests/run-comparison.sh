#!/usr/bin/env bash
# Builds the release binaries and runs the comparison: each server pinned to core 0, the
# generator to core 1; writes load-tests/REPORT.md and load-tests/plot.svg.
# Extra arguments go to `breakroom-load compare` (e.g. --rooms 1,2,4 --window-s 5 --stall).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p breakroom -p breakroom-load
exec taskset -c 1 target/release/breakroom-load compare --stall "$@"
