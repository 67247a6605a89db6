#!/usr/bin/env bash
# kdeck benchmarks against a real Kafka broker. A benchmark, not a test: it prints figures and
# asserts nothing about speed (it fails only when a step cannot be carried out).
#
#   1. Tail throughput: `kdeck tail` vs `kcat -C` and `kcat -C -J`, each reading 1,000,000
#      export-completion JSON records (a fresh 3-partition topic) to the end; best of 2 warm runs,
#      output to /dev/null, peak RSS; a separate pass checks that each printed every record.
#   1b. A backlog: the dashboard reading half as many records from the beginning of a fresh
#      topic (time until its pane counts them all, CPU per record, peak RSS) beside kcat -C.
#   2. The dashboard under load: `kdeck demo` writing ~20k records/s to the six dashboard
#      topics while the dashboard runs in tmux at 120x40 for 60 s; its RSS, CPU and
#      "behind N" at 0/30/60 s, and whether it kept up.
#   3. A markdown summary (also saved to bench/last-summary.txt; the mid-run screen goes to
#      bench/last-dashboard.txt; both are git-ignored).
#   4. Time to the first frame (bench/startup.sh against the same broker, RUNS runs, default 5),
#      appended to the summary.
#
# Usage: bench/run.sh [--quick]      --quick: 100k records and a 15 s stream
# Env:   KDECK_BIN            kdeck binary (default <repo>/target/release/kdeck, built if missing)
#        KDECK_BENCH_BROKERS  use this broker instead of starting one (scripts/kafka.sh)
#        KDECK_BENCH_TARGET   records/s wanted on the dashboard topics (default 20000)
#        KDECK_BENCH_RATE     demo jobs/s; skips the calibration that picks it from the target
# Progress goes to stderr, the summary to stdout.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode=full; records=1000000; stream_secs=60
case "${1:-}" in
  "") ;;
  --quick) mode=quick; records=100000; stream_secs=15 ;;
  -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: bench/run.sh [--quick]" >&2; exit 2 ;;
esac
target_rate="${KDECK_BENCH_TARGET:-20000}"
half=$((stream_secs / 2))

log() { echo "bench: $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 1; }

# --- tools -------------------------------------------------------------------------------
missing=()
for t in kcat tmux python3 awk; do command -v "$t" >/dev/null || missing+=("$t"); done
if [ "${#missing[@]}" -gt 0 ]; then
  log "missing ${missing[*]}: running scripts/deps.sh test"
  "$root/scripts/deps.sh" test
fi
if [ ! -x /usr/bin/time ]; then # GNU time, for peak RSS (Debian package `time`)
  log "installing GNU time (apt package time)"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq time >/dev/null
fi

kdeck="${KDECK_BIN:-$root/target/release/kdeck}"
if [ ! -x "$kdeck" ]; then
  [ -z "${KDECK_BIN:-}" ] || die "KDECK_BIN=$KDECK_BIN is not an executable"
  log "no $kdeck: cargo build --release"
  (cd "$root" && CARGO_TARGET_DIR="$root/target" cargo build --release >&2)
fi

# --- scratch, broker, cleanup ------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/kdeck-bench.XXXXXX")"
empty="$work/empty.toml"; : > "$empty" # neither kdeck nor kcat reads the user's config
sock="kdeck-bench-$$"                 # a tmux server of our own
own_broker=""; demo_pid=""

stop_demo() {
  [ -n "$demo_pid" ] || return 0
  kill -TERM "$demo_pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$demo_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$demo_pid" 2>/dev/null || true
  wait "$demo_pid" 2>/dev/null || true
  demo_pid=""
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  tmux -L "$sock" kill-server 2>/dev/null || true
  stop_demo
  if [ -n "$own_broker" ]; then "$root/scripts/kafka.sh" stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "${KDECK_BENCH_BROKERS:-}" ]; then
  B="$KDECK_BENCH_BROKERS"
  kafka_version="external broker at $B (version not known to the script)"
else
  log "starting a broker (scripts/kafka.sh start)"
  own_broker=1
  B="$("$root/scripts/kafka.sh" start)"
  v="$(ls "$root/target/kafka/libs" 2>/dev/null | sed -n 's/^kafka_2\.[0-9]*-\(.*\)\.jar$/\1/p' | head -1)"
  kafka_version="Kafka ${v:-?} (single node, KRaft, on loopback, started by the script)"
fi
log "broker: $B"

kc() { kcat -F "$empty" -b "$B" "$@"; }

partitions() { # topic -> its partition ids, one a line
  kc -L -t "$1" 2>/dev/null | awk '$1 == "partition" {sub(",", "", $2); print $2}'
}
# Sum over the topics' partitions of (end offset - start offset): the records they hold.
records_in() {
  local args=() t p
  for t in "$@"; do
    for p in $(partitions "$t"); do args+=(-t "$t:$p:-1"); done
  done
  [ "${#args[@]}" -gt 0 ] || { echo 0; return; }
  local hi lo
  hi="$(kc -Q "${args[@]}" 2>/dev/null | awk '{s += $NF} END {print s + 0}')"
  lo="$(kc -Q "${args[@]//:-1/:-2}" 2>/dev/null | awk '{s += $NF} END {print s + 0}')"
  echo $((hi - lo))
}
end_offsets() { # topics -> sum of end offsets (for rates)
  local args=() t p
  for t in "$@"; do for p in $(partitions "$t"); do args+=(-t "$t:$p:-1"); done; done
  kc -Q "${args[@]}" 2>/dev/null | awk '{s += $NF} END {print s + 0}'
}
now() { date +%s.%N; }
calc() { awk "BEGIN { $1 }"; } # calc 'printf "%.1f", 1/3'
human() { # 1234567 -> 1.23M, 45678 -> 45.7k
  calc "n = $1; if (n >= 1e6) printf \"%.2fM\", n/1e6; else if (n >= 1e4) printf \"%.1fk\", n/1e3; else printf \"%d\", n"
}
thousands() { printf "%d" "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }

# ===== 1. tail throughput ================================================================
topic="bench-tail-$(date +%Y%m%d%H%M%S)-$$"
log "1. generating $(thousands "$records") export-completion JSON records"
python3 - "$records" > "$work/records.tsv" <<'PY'
import json, random, sys
n = int(sys.argv[1])
rng = random.Random(7)
statuses = ["complete"] * 8 + ["failed", "cancelled"]
errors = ["S3 upload failed: AccessDenied", "query timeout after 300s", "org quota exceeded"]
enc = json.JSONEncoder(separators=(",", ":")).encode
w = sys.stdout.write
for i in range(n):
    eid = f"export-{rng.randint(100, 999)}-{rng.randint(100000, 999999)}"
    st = statuses[i % 10]
    v = {"export_id": eid, "job_id": f"job-{rng.getrandbits(24):06x}",
         "org_id": f"org-customer-{i % 40 + 1:03d}", "status": st,
         "completed_at": f"2024-01-15T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}Z"}
    if st == "complete":
        v["download_url"] = f"https://console.example.com/api/export/v1/exports/{eid}"
    else:
        v["error_message"] = rng.choice(errors)
    w(eid + "\t" + enc(v) + "\n")  # key = export_id, tab, value
PY
data_mb="$(calc "printf \"%.0f\", $(stat -c %s "$work/records.tsv") / 1e6")"
log "loading them into $topic (kcat -P, uncompressed)"
t0="$(now)"
kc -P -t "$topic" -K '\t' -X linger.ms=50 -X batch.num.messages=10000 -X batch.size=1000000 \
  -l "$work/records.tsv" 2> "$work/produce.err" || { cat "$work/produce.err" >&2; die "kcat -P failed"; }
load_secs="$(calc "printf \"%.1f\", $(now) - $t0")"
nparts="$(partitions "$topic" | wc -l)"
have="$(records_in "$topic")"
[ "$have" -eq "$records" ] || die "topic $topic holds $have records, expected $records"
log "topic $topic: $have records in $nparts partitions (${data_mb} MB, loaded in ${load_secs} s)"
[ "$nparts" -eq 3 ] || log "warning: $nparts partitions, not 3 (the broker's num.partitions)"

readers=(kdeck kcat kcatJ)
declare -A label cmd
label[kdeck]='`kdeck tail --from beginning -e` (JSON lines: position, key, headers, value)'
label[kcat]='`kcat -C -e` (payloads only)'
label[kcatJ]='`kcat -C -e -J` (JSON envelope: the same facts as kdeck)'
reader_argv() { # name -> argv=(the reader's command)
  case "$1" in
    kdeck) argv=("$kdeck" tail --config "$empty" -b "$B" -t "$topic" --from beginning --exit-at-end) ;;
    kcat) argv=(kcat -F "$empty" -b "$B" -C -t "$topic" -o beginning -e -q) ;;
    kcatJ) argv=(kcat -F "$empty" -b "$B" -C -t "$topic" -o beginning -e -J -q) ;;
  esac
}

# Verification pass (also warms the page cache): every reader prints every record once.
declare -A lines best rss cpu
for r in "${readers[@]}"; do
  reader_argv "$r"
  lines[$r]="$("${argv[@]}" 2> "$work/$r.err" | wc -l)"
  [ "${lines[$r]}" -eq "$records" ] || { cat "$work/$r.err" >&2; die "$r printed ${lines[$r]} lines, expected $records"; }
done
reader_argv kdeck
"${argv[@]}" 2>/dev/null | head -1 | python3 -c 'import json,sys; d=json.loads(sys.stdin.readline()); assert d["value"]["export_id"] == d["key"], d' \
  || die "kdeck tail's first line is not the JSON record expected"
log "verification: all three printed $(thousands "$records") lines"

# Timed runs, interleaved (round 1: all three, round 2: all three), output to /dev/null.
for round in 1 2; do
  for r in "${readers[@]}"; do
    reader_argv "$r"
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" "${argv[@]}" > /dev/null 2> "$work/$r.err" \
      || { cat "$work/$r.err" >&2; die "$r failed"; }
    read -r secs user sys maxkb < "$work/time"
    log "  round $round: $r ${secs} s, peak RSS $((maxkb / 1024)) MB"
    if [ -z "${best[$r]:-}" ] || calc "exit !($secs < ${best[$r]})"; then
      best[$r]="$secs"; cpu[$r]="$(calc "printf \"%.2f\", $user + $sys")"
    fi
    [ "${rss[$r]:-0}" -ge "$maxkb" ] || rss[$r]="$maxkb"
  done
done

# ===== 1b. a backlog drained by the dashboard =============================================
# The dashboard reads half the tail's records from the beginning of a fresh topic (the other
# panes point at topics that do not exist, so nothing else is read); the time from launch
# until the pane's title counts them all, the CPU it used by then and its peak RSS. kcat -C
# reading the same topic is the floor.
drain_n=$((records / 2))
drain_topic="bench-drain-$(date +%Y%m%d%H%M%S)-$$"
log "1b. loading $(thousands "$drain_n") records into $drain_topic"
head -n "$drain_n" "$work/records.tsv" > "$work/drain.tsv"
kc -P -t "$drain_topic" -K '\t' -X linger.ms=50 -X batch.num.messages=10000 -X batch.size=1000000 \
  -l "$work/drain.tsv" 2> "$work/produce.err" || { cat "$work/produce.err" >&2; die "kcat -P failed"; }
[ "$(records_in "$drain_topic")" -eq "$drain_n" ] || die "$drain_topic does not hold $drain_n records"
tick="$(getconf CLK_TCK)"
declare -A drain_secs drain_cpu drain_rss
for round in 1 2; do
  t0="$(now)"
  tmux -L "$sock" -f /dev/null new-session -d -s drain -x 120 -y 40 \
    "exec '$kdeck' --config '$empty' -b '$B' --from beginning --completion '$drain_topic' --status bench-none-$$ --dlq bench-none-dlq-$$"
  dpid="$(tmux -L "$sock" display -p -t drain '#{pane_pid}')"
  seen=0
  for _ in $(seq 1 1200); do # 60 s at most
    seen="$(tmux -L "$sock" capture-pane -p -t drain | { grep -o '[0-9]* seen' || true; } | head -1 | awk '{print $1}')"
    [ "${seen:-0}" -lt "$drain_n" ] || break
    sleep 0.05
  done
  t1="$(now)"
  c="$(awk '{print $14 + $15}' "/proc/$dpid/stat")"
  hwm="$(awk '/^VmHWM/ {print $2}' "/proc/$dpid/status")"
  tmux -L "$sock" kill-session -t drain
  [ "${seen:-0}" -ge "$drain_n" ] || die "the dashboard counted ${seen:-0} of $drain_n records in 60 s"
  secs="$(calc "printf \"%.2f\", $t1 - $t0")"
  log "  round $round: dashboard counted $(thousands "$drain_n") in $secs s"
  if [ -z "${drain_secs[kdeck]:-}" ] || calc "exit !($secs < ${drain_secs[kdeck]})"; then
    drain_secs[kdeck]="$secs"; drain_cpu[kdeck]="$(calc "printf \"%.2f\", $c / $tick")"; drain_rss[kdeck]="$hwm"
  fi
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" \
    kcat -F "$empty" -b "$B" -C -t "$drain_topic" -o beginning -e -q > /dev/null 2> "$work/kcat.err" \
    || { cat "$work/kcat.err" >&2; die "kcat -C failed"; }
  read -r secs user sys maxkb < "$work/time"
  if [ -z "${drain_secs[kcat]:-}" ] || calc "exit !($secs < ${drain_secs[kcat]})"; then
    drain_secs[kcat]="$secs"; drain_cpu[kcat]="$(calc "printf \"%.2f\", $user + $sys")"; drain_rss[kcat]="$maxkb"
  fi
done

# ===== 2. the dashboard under load =======================================================
dash_topics=(export-completions franc.task.completion task-status franc.task.status
             dlq-domain-services scheduler.jobs.dlq)
roles=(--completion export-completions --completion franc.task.completion
       --status task-status --status franc.task.status
       --dlq dlq-domain-services --dlq scheduler.jobs.dlq)
warmup=8 # a demo job lives up to ~6.7 s: by then every stage of the pipeline is writing

start_demo() { # jobs/s
  "$kdeck" demo --config "$empty" -b "$B" --rate "$1" > "$work/demo.log" 2>&1 &
  demo_pid=$!
  sleep "$warmup"
  kill -0 "$demo_pid" 2>/dev/null || { cat "$work/demo.log" >&2; die "kdeck demo exited"; }
}
measure_rate() { # seconds -> records/s on the dashboard topics
  local e0 t0 e1 t1
  e0="$(end_offsets "${dash_topics[@]}")"; t0="$(now)"
  sleep "$1"
  e1="$(end_offsets "${dash_topics[@]}")"; t1="$(now)"
  calc "printf \"%.0f\", ($e1 - $e0) / ($t1 - $t0)"
}

if [ -n "${KDECK_BENCH_RATE:-}" ]; then
  rate="$KDECK_BENCH_RATE"; calibration="set by KDECK_BENCH_RATE"
  log "2. kdeck demo at $rate jobs/s"
  start_demo "$rate"
else
  trial=5000
  log "2. calibrating: kdeck demo at $trial jobs/s"
  start_demo "$trial"
  got="$(measure_rate 6)"
  [ "$got" -gt 0 ] || die "kdeck demo wrote nothing to the dashboard topics"
  rate="$(calc "printf \"%.0f\", $trial * $target_rate / $got")"
  calibration="calibrated: $trial jobs/s gave $(thousands "$got") records/s"
  log "   $trial jobs/s -> $got records/s on the dashboard topics; for $target_rate: $rate jobs/s"
  if calc "exit !(($rate - $trial)^2 > (0.02 * $trial)^2)"; then
    stop_demo
    log "   restarting kdeck demo at $rate jobs/s"
    start_demo "$rate"
  else
    rate="$trial"; calibration="$calibration, within 2% of the target"
  fi
fi

log "starting the dashboard in tmux (120x40)"
tmux -L "$sock" -f /dev/null new-session -d -s dash -x 120 -y 40 \
  "exec '$kdeck' --config '$empty' -b '$B' --from end ${roles[*]}"
tmux -L "$sock" set-option -t dash remain-on-exit on >/dev/null
sleep 5
pid="$(tmux -L "$sock" display -p -t dash '#{pane_pid}')"
[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = kdeck ] \
  || { tmux -L "$sock" capture-pane -p -t dash >&2 || true; die "the dashboard is not running"; }
tick="$(getconf CLK_TCK)"
broker_pid=""
[ -z "$own_broker" ] || broker_pid="$("$root/scripts/kafka.sh" pid)"

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_mb() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
top_line() { tmux -L "$sock" capture-pane -p -t dash | head -1 | sed 's/[[:space:]]*$//'; }
behind_of() { # top line -> records behind: 0 when not shown (< 1,000), "?" when cut off
  local b
  b="$(grep -o 'behind [0-9.]*[kMG]\{0,1\}' <<< "$1" | awk '{print $2}')" || true
  if [ -n "$b" ]; then
    calc "n = \"$b\"; m = 1; if (n ~ /k$/) m = 1e3; if (n ~ /M$/) m = 1e6; if (n ~ /G$/) m = 1e9; printf \"%.0f\", n * m"
  elif grep -q 'dlq [0-9.]*/s$' <<< "$1"; then echo 0
  else echo "?"
  fi
}
shown_rate() { # top line -> sum of the compl/status/dlq rates the dashboard shows
  grep -o '\(compl\|status\|dlq\) [0-9.]*/s' <<< "$1" | awk '{sub("/s", "", $2); s += $2} END {printf "%.0f", s}'
}

log "sampling for ${stream_secs} s"
: > "$work/samples"
start_s="$(now)"; e_start="$(end_offsets "${dash_topics[@]}")"
c_start="$(ticks "$pid")"; d_start="$(ticks "$demo_pid")"; k_start="${broker_pid:+$(ticks "$broker_pid")}"
prev_s="$start_s"; prev_c="$c_start"; prev_e="$e_start"; max_behind=0
for at in 0 "$half" "$stream_secs"; do
  # Until the sample is due, read the top line every second for the largest "behind".
  while calc "exit !($(now) + 1 < $start_s + $at)"; do
    sleep 1
    pb="$(behind_of "$(top_line)")"
    [ "$pb" = "?" ] || [ "$pb" -le "$max_behind" ] || max_behind="$pb"
  done
  sleep "$(calc "d = $start_s + $at - $(now); printf \"%.2f\", (d > 0 ? d : 0)")"
  kill -0 "$pid" 2>/dev/null || { tmux -L "$sock" capture-pane -p -t dash >&2 || true; die "the dashboard exited"; }
  kill -0 "$demo_pid" 2>/dev/null || { cat "$work/demo.log" >&2; die "kdeck demo exited"; }
  s="$(now)"; c="$(ticks "$pid")"; e="$(end_offsets "${dash_topics[@]}")"; line="$(top_line)"
  if [ "$at" -gt 0 ]; then
    cpu_i="$(calc "printf \"%.0f%%\", 100 * ($c - $prev_c) / $tick / ($s - $prev_s)")"
    prod_i="$(calc "printf \"%.0f\", ($e - $prev_e) / ($s - $prev_s)")"
  else cpu_i="–"; prod_i="–"
  fi
  b="$(behind_of "$line")"
  [ "$b" = "?" ] || [ "$b" -le "$max_behind" ] || max_behind="$b"
  echo "$at|$(rss_mb "$pid")|$cpu_i|$b|$(shown_rate "$line")|$prod_i" >> "$work/samples"
  log "  ${at} s: $line"
  [ "$at" -ne "$half" ] || tmux -L "$sock" capture-pane -p -t dash > "$root/bench/last-dashboard.txt"
  prev_s="$s"; prev_c="$c"; prev_e="$e"
done
end_s="$s"; window="$(calc "printf \"%.1f\", $end_s - $start_s")"
produced="$(calc "printf \"%.0f\", ($e - $e_start) / ($end_s - $start_s)")"
pct() { calc "printf \"%.0f%%\", 100 * ($2 - $1) / $tick / ($end_s - $start_s)"; }
dash_ticks_end="$(ticks "$pid")"
dash_cpu="$(pct "$c_start" "$dash_ticks_end")"
demo_cpu="$(pct "$d_start" "$(ticks "$demo_pid")")"
broker_cpu="${broker_pid:+$(pct "$k_start" "$(ticks "$broker_pid")")}"
final_behind="$b"
tmux -L "$sock" kill-server 2>/dev/null || true
stop_demo

# ===== 3. summary ========================================================================
cpu_model="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs || true)"
mem_gib="$(awk '/MemTotal/ {printf "%.0f", $2 / 1048576}' /proc/meminfo)"
kdeck_version="$("$kdeck" --version | awk '{print $2}')"
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
kcat_version="$(kcat -V 2>&1 | sed -n 's/^Version \([^ ]*\) .*librdkafka \([^ ]*\).*/\1 (librdkafka \2)/p' | head -1)"
ratio() { calc "printf \"%.2f\", ${best[$1]} / ${best[$2]}"; }

{
echo "### kdeck benchmarks ($mode mode, $(date -u +%Y-%m-%d))"
echo
echo "Machine: $(nproc) cores (${cpu_model:-unknown CPU}), $mem_gib GiB RAM, Linux $(uname -r)."
echo "kdeck $kdeck_version (tree at $commit), kcat $kcat_version, $kafka_version."
echo "The broker, the load and the reader share the machine; compare the rows, not the machines."
echo
echo "**Reading $(thousands "$records") export-completion JSON records ($data_mb MB, $nparts partitions, uncompressed) to the end of a topic**"
echo "(best of 2 warm runs, output to /dev/null; CPU time and peak RSS from GNU time):"
echo
echo "| reader | time | records/s | CPU time | CPU per record | peak RSS | lines printed |"
echo "|---|---|---|---|---|---|---|"
for r in "${readers[@]}"; do
  echo "| ${label[$r]} | ${best[$r]} s | $(human "$(calc "printf \"%.0f\", $records / ${best[$r]}")") | ${cpu[$r]} s | $(calc "printf \"%.2f\", 1e6 * ${cpu[$r]} / $records") µs | $(calc "printf \"%.0f\", ${rss[$r]} / 1024") MB | $(thousands "${lines[$r]}") |"
done
echo
echo "**A backlog of $(thousands "$drain_n") records drained by the dashboard** (\`kdeck --from beginning\`, one"
echo "pane, in tmux at 120×40; time from launch until the pane counts them all; best of 2):"
echo
echo "| reader | time | records/s | CPU time | CPU per record | peak RSS |"
echo "|---|---|---|---|---|---|"
for r in kdeck kcat; do
  case "$r" in kdeck) l="dashboard (decoded, counted, drawn)" ;; kcat) l="\`kcat -C -e\` (payloads to /dev/null)" ;; esac
  echo "| $l | ${drain_secs[$r]} s | $(human "$(calc "printf \"%.0f\", $drain_n / ${drain_secs[$r]}")") | ${drain_cpu[$r]} s | $(calc "printf \"%.2f\", 1e6 * ${drain_cpu[$r]} / $drain_n") µs | $(calc "printf \"%.0f\", ${drain_rss[$r]} / 1024") MB |"
done
echo
echo "kdeck tail / kcat -C: **$(ratio kdeck kcat)×** the time; kdeck tail / kcat -C -J: **$(ratio kdeck kcatJ)×** the time."
echo
echo "**The dashboard under a steady stream**: \`kdeck demo -b\` at $rate jobs/s ($calibration) wrote"
echo "**$(thousands "$produced") records/s** to the six dashboard topics over ${window} s (target $(thousands "$target_rate")),"
echo "while \`kdeck --from end\` read all six in tmux at 120×40 (times from 5 s after it started;"
echo "kdeck refreshes \"behind\" every 5 s and shows it from 1,000 records):"
echo
echo "| at | RSS | CPU (interval) | behind (top line) | rate the dashboard shows | produced (interval) |"
echo "|---|---|---|---|---|---|"
while IFS='|' read -r at r c bh shown prod; do
  case "$bh" in 0) bh="< 1k (not shown)" ;; "?") bh="? (top line cut off)" ;; *) bh="$(thousands "$bh")" ;; esac
  [ "$prod" = "–" ] || prod="$(thousands "$prod")/s"
  echo "| $at s | $r MB | $c | $bh | $(thousands "$shown")/s | $prod |"
done < "$work/samples"
echo
echo "CPU over the whole window (100% = one core): dashboard $dash_cpu, kdeck demo $demo_cpu${broker_cpu:+, broker $broker_cpu}."
echo "Dashboard CPU per record produced: $(calc "printf \"%.1f\", 1e6 * ($dash_ticks_end - $c_start) / $tick / ($e - $e_start)") µs (redraws included: at low rates they dominate)."
if calc "exit !($produced < 0.9 * $target_rate)"; then
  echo "The demo did not reach the target of $(thousands "$target_rate") records/s: it reached $(thousands "$produced")."
fi
say_behind() { if [ "$1" -eq 0 ]; then echo "under 1,000 records (not shown)"; else echo "$(thousands "$1") records"; fi; }
echo "Largest \"behind\" seen (top line read every second): $(say_behind "$max_behind")."
if [ "$final_behind" = "?" ]; then
  echo "Kept up: unknown (the top line was cut off before \"behind\")."
else
  bound="$(calc "printf \"%.0f\", 2 * $produced")"
  if [ "$final_behind" -lt "$bound" ]; then
    echo "Kept up: **yes** — at the end the reader was behind by $(say_behind "$final_behind"), under 2 s of stream ($(thousands "$bound") records)."
  else
    echo "Kept up: **no** — at the end the reader was behind by $(say_behind "$final_behind"), over 2 s of stream ($(thousands "$bound") records)."
  fi
fi
} | tee "$root/bench/last-summary.txt"

# ===== 4. start ==========================================================================
log "4. time to the first frame (bench/startup.sh)"
echo | tee -a "$root/bench/last-summary.txt"
KDECK_BIN="$kdeck" KDECK_BENCH_BROKERS="$B" RUNS="${RUNS:-5}" "$root/bench/startup.sh" \
  | tee -a "$root/bench/last-summary.txt"
