#!/usr/bin/env bash
# Builds the release binaries and runs the comparison: each server pinned to core 0, the
# generator to core 1; writes load-tests/REPORT.md and load-tests/plot.svg.
# Extra arguments go to `breakroom-load compare` (e.g. --rooms 1,2,4 --window-s 5).
# TICK_HZ (default 30) is every server's relay tick; ROOMS and COLYSEUS_ROOMS the load steps
# (each stops at its first failing step; ROOMS holds every COLYSEUS_ROOMS step breakroom can
# reach, so that CPU is compared at the peer's capacity on the same load); REPEATS (default 3) the runs per step, each on a fresh
# server (a step reports its median run and passes when most runs pass). About 20 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p breakroom -p breakroom-load

# The Colyseus peer (Node 22 from its own node_modules): step load of both room types, same
# workload, server on core 0 and driver on core 1; its JSON lines join the report.
colyseus=()
if [[ ${BREAKROOM_SKIP_COLYSEUS:-0} != 1 ]]; then
  npm --prefix load-tests/colyseus install --no-audit --no-fund
  node22=load-tests/colyseus/node_modules/.bin/node
  out=target/colyseus-steps.jsonl
  : > "$out"
  for variant in state broadcast; do
    "$node22" load-tests/colyseus/step.mjs --target "$variant" --tick-hz "${TICK_HZ:-30}" \
      --repeats "${REPEATS:-3}" --rooms "${COLYSEUS_ROOMS:-1,2,4,8,12,16,24,32,48,64}" >> "$out"
  done
  colyseus=(--targets breakroom,reference,colyseus --colyseus-json "$out")
fi
exec taskset -c 1 target/release/breakroom-load compare --stall --tick-hz "${TICK_HZ:-30}" \
  --repeats "${REPEATS:-3}" \
  --rooms "${ROOMS:-1,2,4,8,12,16,24,32,48,64,72,80,96,128}" "${colyseus[@]}" "$@"
