#!/usr/bin/env bash
# The dashboard with 100 topics × 50 partitions configured and records arriving on all of them:
# how fast a key is answered (the zoom key `z`, 12 presses, time until the screen shows the
# change, read by polling tmux, which adds up to ~10 ms), and the dashboard's CPU and RSS.
# A benchmark: prints figures, asserts nothing about speed.
#   bench/scale.sh [KDECK_BIN]
# Env: KDECK_BENCH_BROKERS (else a broker is started), KDECK_BENCH_SCALE_PREFIX (topic prefix;
#      topics that exist are reused), KDECK_BENCH_SCALE_RATE (records/s written, default 5000).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kdeck="${1:-$root/target/release/kdeck}"
[ -x "$kdeck" ] || { echo "bench/scale.sh: no $kdeck (cargo build --release)" >&2; exit 1; }
prefix="${KDECK_BENCH_SCALE_PREFIX:-bench-scale-$$-}"
rate="${KDECK_BENCH_SCALE_RATE:-5000}"
sock="kdeck-scale-$$"; load_pid=""; own=""
work="$(mktemp -d)"; : > "$work/empty.toml"
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null || true
  [ -z "$load_pid" ] || kill "$load_pid" 2>/dev/null || true
  [ -z "$own" ] || "$root/scripts/kafka.sh" stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
if [ -n "${KDECK_BENCH_BROKERS:-}" ]; then B="$KDECK_BENCH_BROKERS"; else own=1; B="$("$root/scripts/kafka.sh" start)"; fi
java -cp "$root/target/kafka/libs/*" -Dlog4j2.configurationFile="$root/tests/kafka/log4j2.xml" \
  "$root/bench/ScaleLoad.java" "$B" "$prefix" 100 50 "$rate" 600 > "$work/load.log" 2>&1 &
load_pid=$!
for _ in $(seq 1 120); do grep -q '^created' "$work/load.log" && break; sleep 1; done
grep -q '^created' "$work/load.log" || { cat "$work/load.log" >&2; exit 1; }
args=()
for i in $(seq 0 99); do
  if [ "$i" -lt 40 ]; then args+=(--completion "$prefix$i")
  elif [ "$i" -lt 90 ]; then args+=(--status "$prefix$i")
  else args+=(--dlq "$prefix$i"); fi
done
tmux -L "$sock" -f /dev/null new-session -d -s dash -x 120 -y 40 \
  "exec '$kdeck' --config '$work/empty.toml' -b '$B' --from end ${args[*]}"
pid="$(tmux -L "$sock" display -p -t dash '#{pane_pid}')"
sleep 12
marker() { tmux -L "$sock" capture-pane -p -t dash | grep -c "event type" || true; }
tick="$(getconf CLK_TCK)"; c0="$(awk '{print $14 + $15}' "/proc/$pid/stat")"; t0="$(date +%s.%N)"
lat=()
for _ in $(seq 1 12); do
  before="$(marker)"; ts="$(date +%s%N)"
  tmux -L "$sock" send-keys -t dash z
  for _ in $(seq 1 400); do [ "$(marker)" != "$before" ] && break; done
  lat+=($(( ($(date +%s%N) - ts) / 1000000 )))
  sleep 0.3
done
c1="$(awk '{print $14 + $15}' "/proc/$pid/stat")"; t1="$(date +%s.%N)"
sorted="$(printf '%s\n' "${lat[@]}" | sort -n)"
echo "dashboard with 100 topics × 50 partitions ($rate records/s asked of the load; top line: $(tmux -L "$sock" capture-pane -p -t dash | head -1 | sed 's/  */ /g'))"
echo "  key answered in (ms): median $(sed -n 6p <<< "$sorted"), max $(tail -1 <<< "$sorted") (all: ${lat[*]})"
echo "  CPU $(awk "BEGIN{printf \"%.0f%%\", 100*($c1-$c0)/$tick/($t1-$t0)}") of a core, RSS $(awk '/^VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$pid/status")"
