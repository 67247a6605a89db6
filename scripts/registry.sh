#!/usr/bin/env bash
# A real Confluent-compatible schema registry (Apicurio Registry, storage in memory) on loopback,
# for kdeck's schema-registry tests.
#   scripts/registry.sh fetch   copy the runnable app from Maven Central into target/registry/app
#   scripts/registry.sh start   start it on a free port; prints the Confluent API's base URL
#                               (http://127.0.0.1:PORT/apis/ccompat/v7) and writes registry.env
#   scripts/registry.sh stop    stop it and remove the run directory's files
#   scripts/registry.sh pid     the registry's JVM pid
# KDECK_REGISTRY_DIR picks the run directory (default target/registry/run). With
# KDECK_REGISTRY_OWNER=<pid>, the registry is killed when that process is gone.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version=3.0.9
app="$root/target/registry/app"
jar="$app/apicurio-registry-app-$version-runner.jar"
base="${KDECK_REGISTRY_DIR:-$root/target/registry/run}"
envfile="$base/registry.env"

fetch() {
  if [ -f "$app/.complete" ] && [ -f "$jar" ]; then return 0; fi
  rm -rf "$app"; mkdir -p "$app"
  echo "registry.sh: fetching Apicurio Registry $version (Maven Central, cached in ~/.m2)…" >&2
  # Plugin 2.8 on purpose: 3.x resolves the parent POM io.apicurio:apicurio-registry, which
  # Maven Central does not serve. Run outside any project so no pom.xml is picked up.
  (cd "$app" && mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:2.8:copy \
    -Dartifact="io.apicurio:apicurio-registry-app:$version:tar.gz:all" -DoutputDirectory="$app" >&2)
  tar -xzf "$app/apicurio-registry-app-$version-all.tar.gz" -C "$app"
  # ~/.m2 keeps the archive; a second copy here would only take space.
  rm -f "$app/apicurio-registry-app-$version-all.tar.gz"
  [ -f "$jar" ] || { echo "registry.sh: $jar is missing after the fetch" >&2; exit 1; }
  touch "$app/.complete"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# True when process $1 is the registry of this run directory (its command line names it): a pid
# file copied along with a target/ folder must never stop someone else's process.
ours() {
  tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -qF -- "-Dkdeck.registry.dir=$base/"
}

reg_pid() {
  local f="$base/pid"
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && ours "$(cat "$f")" && cat "$f"
}

stop() {
  local pid
  if [ -f "$base/pid" ]; then
    pid="$(cat "$base/pid")"
    if kill -0 "$pid" 2>/dev/null && ours "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  if [ -f "$base/watchdog.pid" ]; then
    kill "$(cat "$base/watchdog.pid")" 2>/dev/null || true
  fi
  rm -f "$base/pid" "$base/watchdog.pid" "$base/port" "$envfile" "$base/registry.log"
  rmdir "$base" 2>/dev/null || true
}

start() {
  fetch
  mkdir -p "$base"
  if [ -f "$base/pid" ]; then
    echo "registry.sh: a registry is already set up in $base; stopping it first" >&2
    stop; mkdir -p "$base"
  fi
  local port url started
  port="$(free_port)"
  echo "$port" > "$base/port"
  url="http://127.0.0.1:$port/apis/ccompat/v7"
  # Canonical hashing: the same schema formatted differently keeps its id, as in Confluent's
  # registry. The serial GC, C1 only and a small heap make it start in a few seconds on 2 cores.
  # The working directory is the run directory, so whatever Quarkus writes stays there.
  (cd "$base" && exec nohup java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx256m \
    -Dkdeck.registry.dir="$base/" \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" \
    -Dapicurio.ccompat.use-canonical-hash=true \
    -jar "$jar" > "$base/registry.log" 2>&1) &
  echo $! > "$base/pid"
  started=$(date +%s)
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/subjects" 2>/dev/null)" = 200 ]; do
    if ! kill -0 "$(cat "$base/pid")" 2>/dev/null; then
      echo "registry.sh: the registry exited during start-up; its log:" >&2
      tail -n 80 "$base/registry.log" >&2; stop; exit 1
    fi
    if [ $(( $(date +%s) - started )) -gt 60 ]; then
      echo "registry.sh: the registry did not answer within 60 s; its log:" >&2
      tail -n 80 "$base/registry.log" >&2; stop; exit 1
    fi
    sleep 0.25
  done
  echo "registry.sh: up at $url after $(( $(date +%s) - started )) s (log: $base/registry.log)" >&2
  if [ -n "${KDECK_REGISTRY_OWNER:-}" ]; then
    owner="$KDECK_REGISTRY_OWNER" nohup bash -c '
      while kill -0 "$owner" 2>/dev/null; do sleep 2; done
      kill -KILL "$(cat "$0/pid")" 2>/dev/null
      rm -rf "$0"' "$base" >/dev/null 2>&1 &
    echo $! > "$base/watchdog.pid"
  fi
  echo "KDECK_TEST_REGISTRY=$url" > "$envfile"
  echo "$url"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  pid) reg_pid || exit 1 ;;
  *) echo "usage: scripts/registry.sh fetch | start | stop | pid" >&2; exit 2 ;;
esac
