#!/usr/bin/env bash
# The whole test suite, from a fresh machine: packages, a real Kafka broker, lints, tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/deps.sh test
scripts/kafka.sh fetch
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
KDECK_TEST_BROKERS="$(scripts/kafka.sh start)"
export KDECK_TEST_BROKERS
trap 'scripts/kafka.sh stop' EXIT
# Benchmarks are not tests (bench/ runs them); clippy above still builds them.
mkdir -p target
cargo test --locked --lib --bins --tests 2>&1 | tee target/test-output.log
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' \
  target/test-output.log
