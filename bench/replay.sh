#!/usr/bin/env bash
# Replay throughput on a real broker. A benchmark, not a test: it prints figures and fails only
# when a step cannot be carried out, or when the target misses or duplicates a record.
#
#   100,000 small DLQ records (3 partitions, each naming its origin topic in a header) are
#   replayed headless at an unlimited rate by `kdeck replay --all --yes`; then kcat reads the
#   target and counts each `kdeck-replay-source` header: duplicates and missing must be 0.
#   Prints records/s (the send phase as kdeck reports it, and wall time including the dry-run
#   pass and start-up), peak RSS (GNU time), and the counts.
#
# Usage: bench/replay.sh [RECORDS]      default 100000
# Env:   KDECK_BIN            kdeck binary (default <repo>/target/release/kdeck, built if missing)
#        KDECK_BENCH_BROKERS  use this broker instead of starting one (scripts/kafka.sh)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
records="${1:-100000}"
log() { echo "bench: $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 1; }

for t in kcat python3; do command -v "$t" >/dev/null || "$root/scripts/deps.sh" test; done
if [ ! -x /usr/bin/time ]; then
  log "installing GNU time (apt package time)"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq time >/dev/null
fi
kdeck="${KDECK_BIN:-$root/target/release/kdeck}"
if [ ! -x "$kdeck" ]; then
  [ -z "${KDECK_BIN:-}" ] || die "KDECK_BIN=$KDECK_BIN is not an executable"
  log "no $kdeck: cargo build --release"
  (cd "$root" && cargo build --release >&2)
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/kdeck-replay-bench.XXXXXX")"
own_broker=""
cleanup() {
  rm -rf "$work"
  if [ -n "$own_broker" ]; then "$root/scripts/kafka.sh" stop; fi
}
trap cleanup EXIT
if [ -z "${KDECK_BENCH_BROKERS:-}" ]; then
  KDECK_BENCH_BROKERS="$("$root/scripts/kafka.sh" start)"
  own_broker=1
fi
b="$KDECK_BENCH_BROKERS"
: > "$work/empty.toml"
suffix="$$-$(date +%s)"
dlq="bench-replay-dlq-$suffix"; target="bench-replay-target-$suffix"

create() { # topics are created by the first write (auto-create, 3 partitions) unless the broker refuses
  printf 'x\n' | kcat -b "$b" -P -t "$1" -p 0 -H bench-warmup=1 2>/dev/null || true
}
log "loading $records DLQ records into $dlq"
create "$target"
python3 - "$records" > "$work/dlq.txt" <<'PY'
import sys
n = int(sys.argv[1])
out = sys.stdout
for i in range(n):
    out.write(f'job-{i}\t{{"job_id":"job-{i}","status":"failed","error":"timeout after {i % 7}00ms"}}\n')
PY
kcat -b "$b" -P -t "$dlq" -K $'\t' -H "dlq-original-topic=$target" -H "event-type=job" -z none < "$work/dlq.txt"
loaded="$(kcat -b "$b" -C -t "$dlq" -o beginning -e -q -f 'x\n' | wc -l)"
[ "$loaded" -eq "$records" ] || die "the DLQ holds $loaded records, expected $records"

log "replaying (unlimited rate)"
start_ns=$(date +%s%N)
KDECK_DATA_DIR="$work/data" /usr/bin/time -v -o "$work/time.txt" \
  "$kdeck" -b "$b" --config "$work/empty.toml" replay --dlq "$dlq" --all --yes --output json \
  > "$work/summary.json" 2> "$work/stderr.txt" || { cat "$work/stderr.txt" >&2; die "kdeck replay failed"; }
end_ns=$(date +%s%N)
rss_kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")"
cpu="$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f", u+s}' "$work/time.txt")"

log "checking the target with kcat"
kcat -b "$b" -C -t "$target" -o beginning -e -q -f '%h\n' > "$work/target.txt"
python3 - "$records" "$work/summary.json" "$work/target.txt" "$start_ns" "$end_ns" "$rss_kb" "$cpu" <<'PY'
import json, sys, collections
n = int(sys.argv[1])
s = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
counts = collections.Counter()
for line in open(sys.argv[3], encoding="utf-8", errors="replace"):
    for kv in line.rstrip("\n").split(","):
        if kv.startswith("kdeck-replay-source="):
            counts[kv.split("=", 1)[1]] += 1
dups = sum(c - 1 for c in counts.values() if c > 1)
missing = n - len(counts)
wall = (int(sys.argv[5]) - int(sys.argv[4])) / 1e9
rss_mb = int(sys.argv[6]) / 1024
print(f"| figure | value |")
print(f"|---|---|")
print(f"| DLQ records | {n:,} |")
print(f"| acknowledged / failed | {s['acked']:,} / {s['failed']:,} |")
print(f"| send phase (kdeck's summary) | {s['elapsed_ms']/1000:.2f} s, {s['rate']:,.0f} records/s |")
print(f"| whole command (start-up, dry-run pass, send) | {wall:.2f} s, {n/wall:,.0f} records/s |")
print(f"| CPU time (user+sys) | {sys.argv[7]} s |")
print(f"| peak RSS | {rss_mb:.0f} MiB |")
print(f"| on the target: distinct / duplicates / missing | {len(counts):,} / {dups} / {missing} |")
if dups or missing or s['acked'] != n:
    sys.exit("bench: duplicates or missing records")
PY
