#!/usr/bin/env bash
# Offset reset on a group over 20 topics × 48 partitions (960 partitions, 20 records each, a
# committed offset on every one): `kdeck offsets reset --all-topics --shift-by -5`, the preview
# and then --execute, timed (the aim: under 1 s each). Env: KDECK_BENCH_BROKERS (default: start
# one with scripts/kafka.sh). Needs the Python client of scripts/pyclients.sh to lay out the
# topics and the group.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -z "${KDECK_BENCH_BROKERS:-}" ]; then
  KDECK_BENCH_BROKERS="$(scripts/kafka.sh start)"
  trap 'scripts/kafka.sh stop' EXIT
fi
py="$(scripts/pyclients.sh | tail -1)"
cargo build --release --locked --bin kdeck >&2
kdeck="${CARGO_TARGET_DIR:-target}/release/kdeck"
run="bench-offsets-$$"
"$py" - "$KDECK_BENCH_BROKERS" "$run" <<'PY' >&2
import sys
from confluent_kafka import Producer, Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
b, run = sys.argv[1], sys.argv[2]
topics = [f"{run}-{i}" for i in range(20)]
admin = AdminClient({"bootstrap.servers": b})
for f in admin.create_topics([NewTopic(t, 48, 1) for t in topics]).values():
    f.result()
p = Producer({"bootstrap.servers": b, "linger.ms": 50})
for t in topics:
    for part in range(48):
        for n in range(20):
            p.produce(t, value=b"x", partition=part)
    p.poll(0)
p.flush()
c = Consumer({"bootstrap.servers": b, "group.id": run, "enable.auto.commit": False})
c.commit(offsets=[TopicPartition(t, part, 15) for t in topics for part in range(48)], asynchronous=False)
c.close()
print(f"laid out 20 topics x 48 partitions, group {run} at offset 15 everywhere")
PY
data="$(mktemp -d)"
time_it() {
  local start end
  start=$(date +%s.%N)
  KDECK_DATA_DIR="$data" "$kdeck" --config /dev/null -b "$KDECK_BENCH_BROKERS" offsets reset \
    -g "$run" --all-topics --shift-by -5 "$@" > /dev/null
  end=$(date +%s.%N)
  printf "%.2f" "$(echo "$end - $start" | bc)"
}
for i in 1 2 3; do
  echo "preview of 960 partitions: $(time_it) s"
done
echo "execute of 960 partitions (committed and read back): $(time_it --execute --yes) s"
rm -rf "$data"
