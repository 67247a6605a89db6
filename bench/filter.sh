#!/usr/bin/env bash
# Filter cost per record on the services' JSON event shapes (jq expressions through jaq, and the quick filter).
# Needs no broker. Prints ns per record; the aim is under 2 µs (2000 ns).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec cargo bench --locked --bench filter "$@"
