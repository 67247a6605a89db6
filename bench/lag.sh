#!/usr/bin/env bash
# Times one consumer-lag refresh with 50 groups × 24 partitions on a real broker.
#   bench/lag.sh            50 groups × 24 partitions (5 topics)
#   bench/lag.sh --scale    1,000 groups × 48 partitions (20 topics of 48 partitions, 48,000
#                           committed offsets; committing them takes minutes)
# KDECK_BENCH_LAG_GROUPS / _TOPICS / _PARTITIONS / _ROUNDS pick other sizes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "${1:-}" = "--scale" ]; then
  export KDECK_BENCH_LAG_GROUPS="${KDECK_BENCH_LAG_GROUPS:-1000}"
  export KDECK_BENCH_LAG_TOPICS="${KDECK_BENCH_LAG_TOPICS:-20}"
  export KDECK_BENCH_LAG_PARTITIONS="${KDECK_BENCH_LAG_PARTITIONS:-48}"
  export KDECK_BENCH_LAG_ROUNDS="${KDECK_BENCH_LAG_ROUNDS:-40}"
fi
if [ -z "${KDECK_BENCH_BROKERS:-}" ]; then
  KDECK_BENCH_BROKERS="$(scripts/kafka.sh start)"
  trap 'scripts/kafka.sh stop' EXIT
fi
export KDECK_BENCH_BROKERS
cargo bench --bench lag_refresh --locked
