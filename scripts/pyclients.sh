#!/usr/bin/env bash
# A Python virtualenv with Confluent's own client (real Avro, Protobuf and JSON Schema
# serializers), for tests/clients/sr_client.py: records that kdeck decodes in the tests are then
# written by a third party, not by kdeck's own encoder. Also kafka-python, the client the FRANC
# portal's contract names (kafka-python>=2.0.2), for tests/clients/portal_client.py: the portal's
# events kdeck publishes are read by the portal's own library. Prints the venv's python on stdout.
#   scripts/pyclients.sh        create target/pyclients/venv once (again when the list changes)
# grpcio-tools brings protoc as a Python module: the machine has no protoc, and sr_client.py
# compiles the .proto fixtures at run time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/target/pyclients/venv"
marker="$venv/.complete"
packages=('confluent-kafka[avro,protobuf,json,schemaregistry]' 'grpcio-tools' 'kafka-python==2.3.3')

if [ -f "$marker" ] && [ "$(cat "$marker")" = "${packages[*]}" ] && [ -x "$venv/bin/python" ]; then
  echo "$venv/bin/python"; exit 0
fi
# Debian's python first: a pyenv shim may point at an interpreter without venv or ensurepip.
py=/usr/bin/python3
[ -x "$py" ] || py="$(command -v python3)"
echo "pyclients.sh: creating $venv with $py and installing ${packages[*]}…" >&2
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
"$py" -m venv "$venv" >&2
"$venv/bin/pip" install -q --disable-pip-version-check "${packages[@]}" >&2
echo "${packages[*]}" > "$marker"
echo "$venv/bin/python"
