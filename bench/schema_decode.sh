#!/usr/bin/env bash
# Decode cost per record in the dashboard's reader for one job-status record as JSON, Avro,
# Protobuf and JSON Schema (Confluent wire format, local schema files, schemas cached).
# Needs no broker. Prints ns per record, records/s and the ratios to JSON (aim: at most 1.5×).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec cargo bench --locked --bench schema_decode "$@"
