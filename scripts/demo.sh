#!/usr/bin/env bash
# kdeck on its embedded demo: an in-process Kafka cluster and a simulated job pipeline.
# No broker to install. Extra arguments go to kdeck (e.g. --demo-rate 10).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/deps.sh build
cargo run --release --locked -- --demo "$@"
