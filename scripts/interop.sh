#!/usr/bin/env bash
# The services' own Kafka clients, for tests/interop.rs: what kdeck publishes and replays is read
# (and dead letters are written) by the libraries the services' contracts name, not by kdeck.
#   scripts/interop.sh     build what changed under target/interop; print that directory
# It holds go/interop (the export service's sarama, the Go package's kafka-go), java/classes and
# java/classpath.txt (the scheduler's kafka-clients, Spring Kafka's DeadLetterPublishingRecoverer),
# node/node_modules (the task manager's kafkajs) and python (runs the venv of scripts/pyclients.sh,
# with the portal's kafka-python). Each part is rebuilt only when its inputs change (a hash of them is
# kept beside it); the registries' downloads stay in Go's module cache, ~/.m2 and npm's cache.
# Also writes interop.env (KDECK_TEST_INTEROP=<dir>) for a shell to source.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/tests/clients"
out="$root/target/interop"
mkdir -p "$out"

for tool in go javac mvn node npm; do
  command -v "$tool" >/dev/null || {
    echo "interop.sh: $tool is missing: run scripts/deps.sh test" >&2; exit 1; }
done

# The hash of a part's inputs; the part is rebuilt when it differs from the one kept beside it.
hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }
kept() { cat "$1" 2>/dev/null || true; }

# Go: one binary, go.sum pins every module; Go's build cache makes a rebuild after an edit quick.
h="$(hash_of "$src/go/go.mod" "$src/go/go.sum" "$src"/go/*.go)"
if [ "$(kept "$out/go.stamp")" != "$h" ] || [ ! -x "$out/go/interop" ]; then
  echo "interop.sh: building the Go client (kafka-go, sarama)…" >&2
  go build -C "$src/go" -mod=readonly -o "$out/go/interop" . >&2
  echo "$h" > "$out/go.stamp"
fi

# Java: Maven only resolves the classpath (no plugins to fetch beyond the dependency plugin);
# javac compiles the one source file against it.
h="$(hash_of "$src/java/pom.xml" "$src"/java/src/*.java)"
if [ "$(kept "$out/java.stamp")" != "$h" ] || [ ! -f "$out/java/classes/Interop.class" ]; then
  echo "interop.sh: resolving and compiling the Java client (kafka-clients, spring-kafka)…" >&2
  mkdir -p "$out/java"
  mvn -q -B -f "$src/java/pom.xml" dependency:build-classpath \
    -Dmdep.outputFile="$out/java/classpath.txt" >&2
  rm -rf "$out/java/classes"
  javac -d "$out/java/classes" -cp "$(cat "$out/java/classpath.txt")" "$src"/java/src/*.java >&2
  echo "$h" > "$out/java.stamp"
fi

# Node: npm ci from the committed lock, outside the source tree; client.js finds kafkajs through
# NODE_PATH.
h="$(hash_of "$src/node/package.json" "$src/node/package-lock.json")"
if [ "$(kept "$out/node.stamp")" != "$h" ] || [ ! -d "$out/node/node_modules/kafkajs" ]; then
  echo "interop.sh: installing the Node client (kafkajs)…" >&2
  mkdir -p "$out/node"
  cp "$src/node/package.json" "$src/node/package-lock.json" "$out/node/"
  npm ci --prefix "$out/node" --no-audit --no-fund --loglevel=error >&2
  echo "$h" > "$out/node.stamp"
fi

# Python: the one venv of scripts/pyclients.sh (it also holds kafka-python). A script, not a
# link: Python finds its venv from the path it was started by.
py="$("$root/scripts/pyclients.sh")"
printf '#!/bin/sh\nexec %q "$@"\n' "$py" > "$out/python.next"
chmod +x "$out/python.next"
mv -f "$out/python.next" "$out/python"

echo "KDECK_TEST_INTEROP=$out" > "$out/interop.env"
echo "$out"
