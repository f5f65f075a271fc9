#!/usr/bin/env bash
# Builds the release binaries and runs the comparison: each server pinned to core 0, the
# generator to core 1; writes load-tests/REPORT.md and load-tests/plot.svg.
# Extra arguments go to the main workload's `breakroom-load compare` (e.g. --window-s 8).
# TICK_HZ (default 30) is every server's relay tick; ROOMS and COLYSEUS_ROOMS the main
# workload's load steps (each stops at its first failing step; ROOMS holds every
# COLYSEUS_ROOMS step breakroom can reach, so that CPU is compared at the peer's capacity on
# the same load); REPEATS (default 3) the runs per step, each on a fresh server (a step reports
# its median run and passes when most runs pass).
# The main workload is rooms of 12 participants at 15 Hz. The other workloads the issue names
# (rooms of 4 and of 40 at 15 Hz, rooms of 12 at 30 Hz, and rooms of 12 at 15 Hz whose
# participants send in phase, without Colyseus, whose driver has no in-phase mode) run first,
# each its own comparison in load-tests/variants/, summarised in the main report; VARIANTS=0
# skips them. Participants replay the synthesized squat; BREAKROOM_LOAD_RECORDING=FILE (and
# BREAKROOM_LOAD_RECORDING_GEOMETRY) replays a recording instead, in every driver.
# After each workload's steps, `breakroom-load paired` runs PAIRED_ROUNDS (default 7; 0 skips)
# interleaved rounds at each Colyseus peer's capacity: the peer, breakroom and the reference
# back to back, so that the same-load CPU ratio compares runs made a minute apart, not a
# quarter of an hour (CPU per 1,000 drifts by up to a third between such runs here).
# About 90 minutes in all: 25 for the main workload, 45 for the others, 20 for the rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p breakroom -p breakroom-load
tick=${TICK_HZ:-30}
repeats=${REPEATS:-3}
with_colyseus=$([[ ${BREAKROOM_SKIP_COLYSEUS:-0} == 1 ]] && echo 0 || echo 1)
if [[ $with_colyseus == 1 ]]; then
  npm --prefix load-tests/colyseus install --no-audit --no-fund
fi

# One workload, side by side: OUT PARTICIPANTS HZ ROOMS COLYSEUS_ROOMS [compare args...].
# The Colyseus peer (Node 22 from its own node_modules) steps both room types first, server
# on core 0 and driver on core 1; its JSON lines join the report.
workload() {
  local out=$1 participants=$2 hz=$3 rooms=$4 colyseus_rooms=$5
  shift 5
  local colyseus=()
  if [[ $with_colyseus == 1 ]]; then
    local steps
    steps=target/colyseus-steps-$(basename "$out").jsonl
    : > "$steps"
    for variant in state broadcast; do
      load-tests/colyseus/node_modules/.bin/node load-tests/colyseus/step.mjs \
        --target "$variant" --participants "$participants" --hz "$hz" --tick-hz "$tick" \
        --repeats "$repeats" --rooms "$colyseus_rooms" >> "$steps"
    done
    colyseus=(--targets breakroom,reference,colyseus --colyseus-json "$steps")
  fi
  taskset -c 1 target/release/breakroom-load compare --participants "$participants" \
    --hz "$hz" --tick-hz "$tick" --repeats "$repeats" --rooms "$rooms" --out "$out" \
    "${colyseus[@]}" "$@"
}

# Interleaved same-load rounds for one finished workload: OUT [report args...].
paired() {
  local out=$1
  shift
  if [[ $with_colyseus == 1 && ${PAIRED_ROUNDS:-7} != 0 ]]; then
    taskset -c 1 target/release/breakroom-load paired --out "$out" --tick-hz "$tick" \
      --rounds "${PAIRED_ROUNDS:-7}" "$@"
  fi
}

variants=()
if [[ ${VARIANTS:-1} != 0 ]]; then
  workload load-tests/variants/4x15hz 4 15 8,16,32,48,64,96,128,192,256,320 8,16,32,48,64,96,128
  paired load-tests/variants/4x15hz
  workload load-tests/variants/40x15hz 40 15 1,2,4,6,8,12,16,24,32,40,48 1,2,4,6,8,12,16
  paired load-tests/variants/40x15hz
  workload load-tests/variants/12x30hz 12 30 4,8,12,16,24,32,48,64,72,80,96,128 4,8,12,16,24,32,48,64
  paired load-tests/variants/12x30hz
  with_colyseus=0 workload load-tests/variants/12x15hz-in-phase 12 15 \
    1,2,4,8,12,16,24,32,48,64,72,80,96,128 "" --in-phase
  variants=(--variants load-tests/variants/4x15hz,load-tests/variants/40x15hz,load-tests/variants/12x30hz,load-tests/variants/12x15hz-in-phase)
fi
workload load-tests 12 15 "${ROOMS:-1,2,4,8,12,16,24,32,48,64,72,80,96,128}" \
  "${COLYSEUS_ROOMS:-1,2,4,8,12,16,24,32,48,64}" --stall "${variants[@]}" "$@"
paired load-tests "${variants[@]}"
