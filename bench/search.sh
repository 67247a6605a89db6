#!/usr/bin/env bash
# Search-back speed: the dashboard's search worker (newest first, chunked per partition) over
# a large topic on a real broker, against `kdeck tail -e` reading the same topic to the end.
# Prints seconds, records scanned per second and the ratio to tail -e (the aim: within 1.5×).
# Env: KDECK_BENCH_BROKERS (default: start one with scripts/kafka.sh), KDECK_BENCH_RECORDS
# (default 1,000,000).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -z "${KDECK_BENCH_BROKERS:-}" ]; then
  KDECK_BENCH_BROKERS="$(scripts/kafka.sh start)"
  trap 'scripts/kafka.sh stop' EXIT
fi
export KDECK_BENCH_BROKERS
cargo bench --bench search --locked
