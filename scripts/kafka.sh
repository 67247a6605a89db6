#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft, broker+controller in one JVM) on loopback,
# for kdeck's integration tests.
#   scripts/kafka.sh fetch   copy the broker's jars from Maven Central into target/kafka/libs
#   scripts/kafka.sh start   start it on free ports; writes target/kafka/broker.env
#   scripts/kafka.sh stop    stop it and remove its data
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base="$root/target/kafka"
libs="$base/libs"
pidfile="$base/broker.pid"
envfile="$base/broker.env"

fetch() {
  if [ -f "$libs/.complete" ]; then return 0; fi
  mkdir -p "$libs"
  echo "kafka.sh: fetching the broker's jars (Maven Central, cached in ~/.m2)…" >&2
  mvn -q -B -f "$root/tests/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$libs" >&2
  touch "$libs/.complete"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

stop() {
  if [ -f "$pidfile" ]; then
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  fi
  rm -f "$envfile"
  rm -rf "$base"/run-*
}

start() {
  fetch
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "kafka.sh: a broker is already running (pid $(cat "$pidfile")); stopping it first" >&2
    stop
  fi
  command -v kcat >/dev/null || { echo "kafka.sh: kcat is missing (run scripts/deps.sh)" >&2; exit 1; }
  port="$(free_port)"; cport="$(free_port)"
  while [ "$cport" = "$port" ]; do cport="$(free_port)"; done
  run="$(mktemp -d "$base/run-XXXXXX")"
  cat > "$run/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$run/data
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.partitions=3
auto.create.topics.enable=true
PROPS
  cp="$libs/*"
  jvm=(-Dlog4j2.configurationFile="$root/tests/kafka/log4j2.xml" -Djava.awt.headless=true)
  cluster_id="$(java "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)"
  java "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool format -t "$cluster_id" \
    -c "$run/server.properties" > "$run/format.log" 2>&1 || {
      echo "kafka.sh: formatting the storage failed:" >&2; tail -n 40 "$run/format.log" >&2; exit 1; }
  nohup java -Xms256m -Xmx1g "${jvm[@]}" -cp "$cp" kafka.Kafka "$run/server.properties" \
    > "$run/broker.log" 2>&1 &
  echo $! > "$pidfile"
  started=$(date +%s)
  until kcat -b "127.0.0.1:$port" -L -m 2 >/dev/null 2>&1; do
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "kafka.sh: the broker exited during start-up; its log:" >&2
      tail -n 80 "$run/broker.log" >&2; rm -f "$pidfile"; exit 1
    fi
    if [ $(( $(date +%s) - started )) -gt 90 ]; then
      echo "kafka.sh: the broker did not answer within 90 s; its log:" >&2
      tail -n 80 "$run/broker.log" >&2; stop; exit 1
    fi
    sleep 0.5
  done
  echo "KDECK_TEST_BROKERS=127.0.0.1:$port" > "$envfile"
  echo "kafka.sh: broker up at 127.0.0.1:$port after $(( $(date +%s) - started )) s (log: $run/broker.log)" >&2
  echo "127.0.0.1:$port"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: scripts/kafka.sh fetch|start|stop" >&2; exit 2 ;;
esac
