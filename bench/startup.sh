#!/usr/bin/env bash
# Time to first frame. A benchmark, not a test: it prints figures and asserts nothing about
# speed (it fails only when a step cannot be carried out).
#
#   kdeck --demo            launch to the first drawn health line, in tmux at 120x40
#   kdeck -b BROKER         the same against a broker
#   kcat -b BROKER -L       launch to exit (connects, fetches and prints metadata)
#
# The pane is polled with capture-pane every 5 ms, so a figure can be up to ~5-10 ms late
# (a capture-pane call costs a few ms on a busy machine). Each figure: RUNS runs, min/median/max.
#
# Usage: bench/startup.sh
# Env:   KDECK_BIN            kdeck binary (default <repo>/target/release/kdeck, else target/debug/kdeck)
#        KDECK_BENCH_BROKERS  broker to measure against (default: target/kafka/broker.env, else an
#                             in-process demo cluster started with `kdeck demo`)
#        RUNS                 runs per figure (default 7)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${RUNS:-7}"
log() { echo "startup: $*" >&2; }
die() { echo "startup: error: $*" >&2; exit 1; }

for t in tmux kcat python3; do command -v "$t" >/dev/null || die "$t is not installed"; done
bin="${KDECK_BIN:-}"
if [ -z "$bin" ]; then
  bin="$root/target/release/kdeck"
  [ -x "$bin" ] || bin="$root/target/debug/kdeck"
fi
[ -x "$bin" ] || die "no kdeck binary at $bin (cargo build --release, or set KDECK_BIN)"
[ -n "${EPOCHREALTIME:-}" ] || die "bash 5 or later is needed (EPOCHREALTIME)"

sock="kdeck-startup-$$"
work="$(mktemp -d)"
demo_pid=""
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null || true
  if [ -n "$demo_pid" ]; then kill "$demo_pid" 2>/dev/null || true; wait "$demo_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# --- the broker ----------------------------------------------------------------------------
brokers="${KDECK_BENCH_BROKERS:-}"
broker_kind="broker from KDECK_BENCH_BROKERS"
if [ -z "$brokers" ] && [ -f "$root/target/kafka/broker.env" ]; then
  broker_kind="real broker (target/kafka/broker.env)"
  brokers="$(sed -n 's/^KDECK_TEST_BROKERS=//p' "$root/target/kafka/broker.env" | head -1)"
  kcat -b "$brokers" -L -m 3 >/dev/null 2>&1 || brokers=""
fi
if [ -z "$brokers" ]; then
  broker_kind="kdeck demo cluster (librdkafka mock, same process as the demo)"
  KDECK_LOG_DIR="$work/logs" "$bin" demo --rate 1 >"$work/demo.out" 2>&1 &
  demo_pid=$!
  for _ in $(seq 200); do
    brokers="$(sed -n 's/^kdeck demo cluster: //p' "$work/demo.out")"
    [ -n "$brokers" ] && break
    sleep 0.05
  done
  [ -n "$brokers" ] || die "the demo cluster did not start: $(cat "$work/demo.out")"
fi
log "kdeck: $bin"
log "broker: $brokers ($broker_kind)"

# --- measuring -----------------------------------------------------------------------------
now_us() { local t="${EPOCHREALTIME/[.,]/}"; echo "$t"; }

# The tmux server stays up between runs (its start is not kdeck's); every run gets a fresh
# session, so no frame of an earlier run can be mistaken for this one's.
tmux -L "$sock" new-session -d -s keep -x 120 -y 40 "sleep 100000"
printf '' >"$work/empty.toml"
run_no=0

# Milliseconds from launch to the health line (the first screen line starts " kdeck ").
first_frame_ms() {
  local cmd="$1" t0 t1 line s
  run_no=$((run_no + 1)); s="run$run_no"
  tmux -L "$sock" new-session -d -s "$s" -x 120 -y 40 "sleep 100000"
  sleep 0.3
  t0="$(now_us)"
  tmux -L "$sock" respawn-pane -k -t "$s" "$cmd"
  while :; do
    line="$(tmux -L "$sock" capture-pane -p -t "$s" -S 0 -E 0)"
    t1="$(now_us)"
    case "$line" in " kdeck "*) break ;; esac
    if [ $((t1 - t0)) -gt 10000000 ]; then
      die "no first frame within 10 s for: $cmd; screen: $(tmux -L "$sock" capture-pane -p -t "$s" | head -5)"
    fi
    sleep 0.005
  done
  tmux -L "$sock" send-keys -t "$s" q
  sleep 0.5
  tmux -L "$sock" kill-session -t "$s"
  echo $(((t1 - t0) / 1000))
}

kcat_ms() {
  local t0 t1
  t0="$(now_us)"
  kcat -b "$brokers" -L >/dev/null 2>&1 || die "kcat -L failed against $brokers"
  t1="$(now_us)"
  echo $(((t1 - t0) / 1000))
}

summary() { # name, values...
  local name="$1"; shift
  python3 - "$name" "$@" <<'PY'
import statistics, sys
name, vals = sys.argv[1], [int(v) for v in sys.argv[2:]]
print(f"{name:<34} min {min(vals):>4} ms   median {int(statistics.median(vals)):>4} ms   max {max(vals):>4} ms   runs: {' '.join(map(str, vals))}")
PY
}

env_cmd="env KDECK_LOG_DIR=$work/logs"
demo=(); broker=(); kc=()
for _ in $(seq "$runs"); do
  demo+=("$(first_frame_ms "$env_cmd $bin --config $work/empty.toml --demo")")
  broker+=("$(first_frame_ms "$env_cmd $bin --config $work/empty.toml -b $brokers")")
  kc+=("$(kcat_ms)")
done

echo "Time to first frame ($(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg), $broker_kind at $brokers, $runs runs each)"
summary "kdeck --demo (first frame)" "${demo[@]}"
summary "kdeck -b BROKER (first frame)" "${broker[@]}"
summary "kcat -b BROKER -L (exit)" "${kc[@]}"
