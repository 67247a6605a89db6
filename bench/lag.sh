#!/usr/bin/env bash
# Times one consumer-lag refresh with 50 groups × 24 partitions on a real broker.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -z "${KDECK_BENCH_BROKERS:-}" ]; then
  KDECK_BENCH_BROKERS="$(scripts/kafka.sh start)"
  trap 'scripts/kafka.sh stop' EXIT
fi
export KDECK_BENCH_BROKERS
cargo bench --bench lag_refresh --locked
