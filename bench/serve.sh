#!/usr/bin/env bash
# `kdeck serve` at scale: 1,000 groups × 48 partitions (20 topics of 48 partitions, each group
# committed on every partition of one topic: 48,000 committed offsets), refreshed every 15 s and
# scraped every 15 s for KDECK_BENCH_SERVE_SECS (default 120) seconds. Prints the share of a core
# kdeck used, its resident memory, the time to first serve every group, each scrape's latency and
# the exposition's size. Env: KDECK_BENCH_BROKERS (default: start one with scripts/kafka.sh).
# Needs the Python client of scripts/pyclients.sh to lay out the topics and the groups.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
own="" pid="" work="$(mktemp -d)"
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
  if [ -n "$own" ]; then scripts/kafka.sh stop; fi
}
trap cleanup EXIT
if [ -z "${KDECK_BENCH_BROKERS:-}" ]; then
  KDECK_BENCH_BROKERS="$(scripts/kafka.sh start)"
  own=1
fi
secs="${KDECK_BENCH_SERVE_SECS:-120}"
py="$(scripts/pyclients.sh | tail -1)"
cargo build --release --locked --bin kdeck >&2
kdeck="${CARGO_TARGET_DIR:-target}/release/kdeck"
run="bench-serve-$$"
"$py" - "$KDECK_BENCH_BROKERS" "$run" "$work/config.toml" <<'PY' >&2
import sys, time
from confluent_kafka import Producer, Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
b, run, config = sys.argv[1], sys.argv[2], sys.argv[3]
topics = [f"{run}-{i}" for i in range(20)]
admin = AdminClient({"bootstrap.servers": b})
for f in admin.create_topics([NewTopic(t, 48, 1) for t in topics]).values():
    f.result()
p = Producer({"bootstrap.servers": b, "linger.ms": 50})
for t in topics:
    for part in range(48):
        for n in range(20):
            p.produce(t, value=b'{"status":"complete"}', partition=part)
    p.poll(0)
p.flush()
start = time.time()
groups = [f"{run}-g{g}" for g in range(1000)]
for g, name in enumerate(groups):
    c = Consumer({"bootstrap.servers": b, "group.id": name, "enable.auto.commit": False})
    t = topics[g % 20]
    c.commit(offsets=[TopicPartition(t, part, g % 20) for part in range(48)], asynchronous=False)
    c.close()
print(f"laid out 20 topics x 48 partitions, 1,000 groups committed in {time.time() - start:.0f} s")
with open(config, "w") as f:
    f.write("[profiles.bench]\n")
    f.write(f'brokers = "{b}"\n')
    f.write("lag_topics = [" + ", ".join(f'"{t}"' for t in topics) + "]\n")
    f.write("watch_groups = [" + ", ".join(f'"{g}"' for g in groups) + "]\n")
PY
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$kdeck" --config "$work/config.toml" --profile bench serve --interval 15 \
  --listen "127.0.0.1:$port" 2> "$work/serve.err" &
pid=$!
t0=$(date +%s.%N)
until [ "$(curl -s "http://127.0.0.1:$port/metrics" | grep -c '^kafka_consumergroup_group_sum_lag{')" -ge 1000 ]; do
  sleep 0.5
done
t1=$(date +%s.%N)
printf "every one of 1,000 groups served %.1f s after start\n" "$(echo "$t1 - $t0" | bc)"
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
c0=$(cpu); s0=$(date +%s.%N)
n=$(( secs / 15 ))
for _ in $(seq 1 "$n"); do
  sleep 15
  # As Prometheus scrapes (gzip), and as a client without gzip does (decompressed as sent).
  curl -s -H 'Accept-Encoding: gzip' -o /dev/null \
    -w "scrape with gzip %{http_code}: %{time_total} s, %{size_download} bytes · " \
    "http://127.0.0.1:$port/metrics"
  curl -s -o "$work/scrape" -w "without: %{time_total} s, %{size_download} bytes\n" \
    "http://127.0.0.1:$port/metrics"
done
c1=$(cpu); s1=$(date +%s.%N)
printf "CPU over %.0f s (a refresh and a scrape every 15 s): %.1f%% of a core\n" \
  "$(echo "$s1 - $s0" | bc)" "$(echo "100 * ($c1 - $c0) / $ticks / ($s1 - $s0)" | bc -l)"
grep -E 'VmRSS|VmHWM' "/proc/$pid/status"
echo "series in one scrape: $(grep -vc '^#' "$work/scrape")"
