#!/usr/bin/env bash
# `kdeck publish` throughput and rate accuracy against a real Kafka broker. A benchmark, not a
# test: it prints figures (and fails only when a step cannot be carried out).
#
#   1. 100,000 records from the schedule-job template at unlimited rate: records/s (wall
#      clock, process start to exit) and peak RSS (/usr/bin/time -v); the topic is checked to
#      hold exactly 100,000 records.
#   2. 5,000 records/s for 20 s (100,000 records): the achieved rate and its error.
#
# Usage: bench/publish.sh
# Env:   KDECK_BIN            kdeck binary (default <repo>/target/release/kdeck, built if missing)
#        KDECK_BENCH_BROKERS  use this broker instead of starting one (scripts/kafka.sh)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
log() { echo "bench: $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 1; }
for t in kcat python3 /usr/bin/time; do command -v "$t" >/dev/null || die "missing $t (scripts/deps.sh test)"; done

bin="${KDECK_BIN:-$root/target/release/kdeck}"
if [ ! -x "$bin" ]; then
  log "building the release binary"
  cargo build --release --locked >&2
fi
work="$(mktemp -d)"
started=""
cleanup() { rm -rf "$work"; if [ -n "$started" ]; then scripts/kafka.sh stop >/dev/null 2>&1 || true; fi; }
trap cleanup EXIT
if [ -z "${KDECK_BENCH_BROKERS:-}" ]; then
  KDECK_BENCH_BROKERS="$(scripts/kafka.sh start)"
  started=1
fi
b="$KDECK_BENCH_BROKERS"
export KDECK_DATA_DIR="$work/data" KDECK_CONFIG_DIR="$work/config"

# Reads the summary line on stdin: wall time (h:mm:ss or m:ss.ss) and RSS from the arguments.
cat >"$work/fig.py" <<'PY'
import sys, json
w = sys.argv[1].split(":")
s = sum(float(x) * 60 ** i for i, x in enumerate(reversed(w)))
j = json.load(sys.stdin)
print(f"{s:.3f} {sys.argv[2]} {j['elapsed_ms'] / 1000:.3f} {j['acked']}")
PY

# Records in a topic, as kcat reads them.
count() { kcat -b "$b" -C -t "$1" -o beginning -e -q -f 'x\n' | wc -l; }

# run TOPIC ARGS...: one publish run; prints "wall_seconds rss_kib sending_seconds acked"
# (sending: from the producer's start to the last acknowledgement, from the JSON summary).
run() {
  local topic="$1"; shift
  /usr/bin/time -v -o "$work/time.txt" "$bin" -b "$b" publish --template schedule-job \
    -t "$topic" --output json "$@" >"$work/out.txt" 2>"$work/err.txt" || { cat "$work/err.txt" >&2; die "publish failed"; }
  local wall rss
  wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")"
  rss="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")"
  tail -1 "$work/out.txt" | python3 "$work/fig.py" "$wall" "$rss"
}

n=100000
t1="kdeck-bench-pub-$$-a"; t2="kdeck-bench-pub-$$-b"
# Warm-up: one record each creates the topics (auto-create) so the runs time no metadata wait.
for t in "$t1" "$t2"; do printf w | "$bin" -b "$b" publish -t "$t" >/dev/null 2>&1 || die "cannot write to $b"; done
log "unlimited: $n records"
read -r w1 rss1 s1 a1 < <(run "$t1" --count "$n")
got1="$(( $(count "$t1") - 1 ))"
log "5000/s for 20 s: $n records"
read -r w2 rss2 s2 a2 < <(run "$t2" --count "$n" --rate 5000)
got2="$(( $(count "$t2") - 1 ))"
python3 - "$n" "$w1" "$rss1" "$s1" "$a1" "$got1" "$w2" "$rss2" "$s2" "$a2" "$got2" <<'PY'
import sys
n, w1, rss1, s1, a1, got1, w2, rss2, s2, a2, got2 = sys.argv[1:]
n = int(n)
print("## kdeck publish benchmark (schedule-job template, idempotent producer, acks=all)")
print(f"- unlimited: {n:,} records in {float(w1):.2f} s wall = {n/float(w1):,.0f} records/s "
      f"(sending {float(s1):.2f} s = {int(a1)/float(s1):,.0f}/s), peak RSS {int(rss1)/1024:.1f} MiB; "
      f"acknowledged {int(a1):,}, topic holds {int(got1):,}")
for label, secs in (("sending", float(s2)), ("wall", float(w2))):
    rate = n / secs
    print(f"- --rate 5000 ({label}): {n:,} records in {secs:.2f} s = {rate:,.1f} records/s "
          f"({(rate - 5000) / 50:+.2f}% from 5,000/s)")
print(f"  peak RSS {int(rss2)/1024:.1f} MiB; acknowledged {int(a2):,}, topic holds {int(got2):,}")
PY
log "done"
