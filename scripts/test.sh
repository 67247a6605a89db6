#!/usr/bin/env bash
# The whole test suite, from a fresh machine: packages, a real Kafka broker, lints, tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/deps.sh test
scripts/kafka.sh fetch
# The schema-registry tests: a real registry (Apicurio) and Confluent's Python client, which
# writes and reads their records (tests/clients/sr_client.py).
scripts/registry.sh fetch
KDECK_TEST_PYTHON="$(scripts/pyclients.sh)"
export KDECK_TEST_PYTHON
# The interop tests: the services' own clients (kafka-go, sarama, kafkajs, kafka-python,
# kafka-clients, Spring Kafka) read what kdeck publishes and replays, and write dead letters.
KDECK_TEST_INTEROP="$(scripts/interop.sh)"
export KDECK_TEST_INTEROP
cargo fmt --all -- --check
# Lints with and without the test fault hooks (feature test-hooks): both builds must be clean.
cargo clippy --all-targets --locked -- -D warnings
cargo clippy --all-targets --locked --features test-hooks -- -D warnings
# The fault hooks (KDECK_TEST_PANIC_AFTER_MS and the like) are for tests/terminal.rs only: a
# build without the feature must not have them. Checked on the binary itself, built once
# without the feature (only kdeck recompiles, the dependencies are shared with the test build):
# its --version does not say "+test-hooks", and no hook's name is in it. The test build below
# links target/debug/kdeck again, with the hooks.
cargo build --locked --bin kdeck
bin="${CARGO_TARGET_DIR:-target}/debug/kdeck"
version="$("$bin" --version)"
if [[ "$version" == *test-hooks* ]] || grep -q KDECK_TEST_ "$bin"; then
  echo "test.sh: $bin ($version), built without the test-hooks feature, has the fault hooks" >&2
  exit 1
fi
mkdir -p target
trap 'scripts/registry.sh stop; scripts/kafka.sh stop' EXIT
# The registry starts while the broker does (each takes seconds, mostly waiting); the owner
# watchdog stops it should this script be killed past its trap.
KDECK_REGISTRY_OWNER=$$ scripts/registry.sh start > target/registry-url.txt &
registry_start=$!
KDECK_TEST_BROKERS="$(scripts/kafka.sh start)"
export KDECK_TEST_BROKERS
wait "$registry_start" || { echo "test.sh: the schema registry did not start" >&2; exit 1; }
KDECK_TEST_REGISTRY="$(cat target/registry-url.txt)"
export KDECK_TEST_REGISTRY
# Benchmarks are not tests (bench/ runs them); clippy above still builds them.
# With the fault hooks: tests/terminal.rs induces a panic, an abort and a stall through them
# (and fails, saying so, if the binary under test lacks them).
cargo test --locked --features test-hooks --lib --bins --tests 2>&1 | tee target/test-output.log
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' \
  target/test-output.log
