#!/usr/bin/env bash
# kdeck benchmarks against a real Kafka broker. Prints figures; asserts nothing.
#   1. `kdeck tail` vs `kcat -C` and `kcat -C -J` reading 1M seed-shaped JSON records.
#   2. The dashboard in tmux under a steady stream (~20k msg/s) for 60 s: does it keep up,
#      and its CPU and RSS at 0/30/60 s.
# bench/run.sh [--quick]   (--quick: 100k records, 15 s of stream)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
records=1000000; stream_secs=60; rate=5400
if [ "${1:-}" = "--quick" ]; then records=100000; stream_secs=15; fi

command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
scripts/deps.sh test
cargo build --release --locked 2>&1 | tail -1
kdeck="${KDECK_BIN:-$root/target/release/kdeck}"
work="$(mktemp -d)"
cleanup() {
  tmux -L kdeck-bench kill-server 2>/dev/null || true
  [ -n "${demo_pid:-}" ] && kill "$demo_pid" 2>/dev/null || true
  [ -n "${own_broker:-}" ] && scripts/kafka.sh stop || true
  rm -rf "$work"
}
trap cleanup EXIT
if [ -z "${KDECK_BENCH_BROKERS:-}" ]; then
  KDECK_BENCH_BROKERS="$(scripts/kafka.sh start)"; own_broker=1
fi
B="$KDECK_BENCH_BROKERS"
: > "$work/empty.toml"

end_offsets() { # topic... -> sum of end offsets
  local args=()
  for t in "$@"; do for p in 0 1 2; do args+=(-t "$t:$p:-1"); done; done
  kcat -b "$B" -Q "${args[@]}" 2>/dev/null | awk '{s+=$NF} END {print s+0}'
}

echo "== 1. tail throughput: $records records"
topic="bench-tail-$$"
python3 - "$records" > "$work/records.tsv" <<'PY'
import json, random, sys
random.seed(7)
n = int(sys.argv[1])
out = sys.stdout
for i in range(n):
    eid = f"export-{random.randint(100,999)}-{i:06d}"
    ok = random.random() > 0.1
    v = {"export_id": eid, "job_id": f"job-{i:06x}", "org_id": f"org-customer-{i%40:03d}",
         "status": "complete" if ok else "failed", "completed_at": "2024-01-15T10:30:00Z"}
    if ok: v["download_url"] = f"https://console.example.com/api/export/v1/exports/{eid}"
    else: v["error_message"] = "S3 upload failed: AccessDenied"
    out.write(eid + "\t" + json.dumps(v, separators=(",", ":")) + "\n")
PY
kcat -b "$B" -P -t "$topic" -K $'\t' -X linger.ms=50 -X batch.num.messages=10000 -z lz4 -l "$work/records.tsv" 2>/dev/null || \
  kcat -b "$B" -P -t "$topic" -K $'\t' -X linger.ms=50 -X batch.num.messages=10000 < "$work/records.tsv"
have="$(end_offsets "$topic")"
echo "produced: $have records ($(du -h "$work/records.tsv" | cut -f1) of JSON) in topic $topic"

measure() { # name command... -> prints "name seconds rss_kb lines"
  local name="$1"; shift
  local best="" best_rss="" lines
  lines="$("$@" | wc -l)"
  for _ in 1 2; do
    /usr/bin/time -f "%e %M" -o "$work/t" "$@" > /dev/null
    read -r secs rss < "$work/t"
    if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best="$secs"; best_rss="$rss"; fi
  done
  echo "$name $best $best_rss $lines"
}
{
  measure kdeck-tail "$kdeck" tail --config "$work/empty.toml" -b "$B" -t "$topic" --from beginning -e
  measure kcat "kcat" -b "$B" -C -t "$topic" -o beginning -e -q
  measure kcat-J "kcat" -b "$B" -C -t "$topic" -o beginning -e -J -q
} > "$work/tail.txt"

echo "== 2. dashboard under a steady stream for ${stream_secs}s"
roles=(--completion export-completions --completion franc.task.completion --status task-status
       --status franc.task.status --dlq dlq-domain-services --dlq scheduler.jobs.dlq)
dash_topics=(export-completions franc.task.completion task-status franc.task.status dlq-domain-services scheduler.jobs.dlq)
"$kdeck" demo --config "$work/empty.toml" -b "$B" --rate "$rate" > "$work/demo.log" 2>&1 &
demo_pid=$!
sleep 5
tmux -L kdeck-bench new-session -d -s dash -x 120 -y 40 \
  "$kdeck --config $work/empty.toml -b $B --from end ${roles[*]}"
sleep 3
pid="$(tmux -L kdeck-bench display -p -t dash '#{pane_pid}')"
tick="$(getconf CLK_TCK)"
cpu_ticks() { awk '{print $14+$15}' "/proc/$pid/stat"; }
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$pid/status"; }
behind() { tmux -L kdeck-bench capture-pane -p -t dash | head -1 | grep -o 'behind [0-9.kM]*' | cut -d' ' -f2 || true; }
: > "$work/samples.txt"
prev_t="$(cpu_ticks)"; prev_s="$(date +%s.%N)"; e0="$(end_offsets "${dash_topics[@]}")"
echo "0 $(rss_mb) - $(behind)" >> "$work/samples.txt"
half=$((stream_secs / 2))
for at in "$half" "$stream_secs"; do
  sleep "$half"
  now_t="$(cpu_ticks)"; now_s="$(date +%s.%N)"
  cpu="$(awk "BEGIN{printf \"%.0f\", 100*($now_t-$prev_t)/$tick/($now_s-$prev_s)}")"
  echo "$at $(rss_mb) $cpu $(behind)" >> "$work/samples.txt"
  prev_t="$now_t"; prev_s="$now_s"
  [ "$at" = "$half" ] && tmux -L kdeck-bench capture-pane -p -t dash > "$root/bench/last-dashboard.txt"
done
e1="$(end_offsets "${dash_topics[@]}")"
produced_rate="$(awk "BEGIN{printf \"%.0f\", ($e1-$e0)/$stream_secs}")"
final_behind="$(behind)"

echo
echo "### kdeck benchmarks ($(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
echo
echo "kdeck $("$kdeck" --version | cut -d' ' -f2), kcat $(kcat -V 2>&1 | grep -o 'Version [^ ]*' | head -1 | cut -d' ' -f2), Kafka 4.1.1 (single node, KRaft, loopback)"
echo
echo "**Reading $records seed-shaped JSON records to the end of a 3-partition topic** (best of 2, output to /dev/null):"
echo
echo "| reader | time | records/s | peak RSS | lines |"
echo "|---|---|---|---|---|"
while read -r name secs rss lines; do
  printf "| %s | %.2f s | %s | %.1f MB | %s |\n" "$name" "$secs" "$(awk "BEGIN{printf \"%.0f\", $records/$secs}")" "$(awk "BEGIN{print $rss/1024}")" "$lines"
done < "$work/tail.txt"
k="$(awk '$1=="kdeck-tail"{print $2}' "$work/tail.txt")"
c="$(awk '$1=="kcat"{print $2}' "$work/tail.txt")"
j="$(awk '$1=="kcat-J"{print $2}' "$work/tail.txt")"
echo
echo "kdeck tail takes $(awk "BEGIN{printf \"%.2f\", $k/$c}")× the time of kcat -C and $(awk "BEGIN{printf \"%.2f\", $k/$j}")× that of kcat -C -J (which prints the same facts)."
echo
echo "**Dashboard under a steady stream** (kdeck demo -b at $rate jobs/s: $produced_rate records/s on the six dashboard topics, ${stream_secs} s, 120×40 tmux):"
echo
echo "| at | RSS | CPU (interval) | reader behind |"
echo "|---|---|---|---|"
while read -r at rss cpu b; do
  echo "| ${at} s | ${rss} MB | ${cpu}% | ${b:-<1k} |"
done < "$work/samples.txt"
echo
if [ -z "$final_behind" ]; then
  echo "Kept up: kdeck's own reader ended less than 1,000 records behind the end of its streams."
else
  echo "Reader ended $final_behind records behind the end of its streams."
fi
