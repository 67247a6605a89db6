#!/usr/bin/env bash
# Real Apache Kafka brokers (KRaft, broker+controller in one JVM per node) on loopback, for
# kdeck's integration tests.
#   scripts/kafka.sh fetch                 copy the broker's jars from Maven Central into target/kafka/libs
#   scripts/kafka.sh start [--nodes N] [--sasl]
#                                          start N nodes (default 1) on free ports; writes broker.env
#   scripts/kafka.sh stop                  stop every node and remove the data
#   scripts/kafka.sh kill [NODE]           kill -9 a node (default 1), keeping its data and ports
#   scripts/kafka.sh restart [NODE]        start a killed node again: same properties, same data
#   scripts/kafka.sh pid [NODE]            the node's JVM pid
# KDECK_KAFKA_DIR picks the run directory (default target/kafka): a test that kills brokers uses
# its own, so the shared broker of the test run is never touched. With KDECK_KAFKA_OWNER=<pid>,
# the nodes are killed when that process is gone (a test killed mid-run leaves no JVM behind).
# --sasl adds a SASL_SSL listener (SCRAM-SHA-512) with a CA and a broker certificate made by
# keytool under the run directory, and a SCRAM user created at format time; broker.env then also
# holds KDECK_TEST_SASL_BROKERS, KDECK_TEST_SASL_USER, KDECK_TEST_SASL_PASSWORD, KDECK_TEST_CAFILE.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
libs="$root/target/kafka/libs"
base="${KDECK_KAFKA_DIR:-$root/target/kafka}"
envfile="$base/broker.env"
cp="$libs/*"
jvm=(-Dlog4j2.configurationFile="$root/tests/kafka/log4j2.xml" -Djava.awt.headless=true)

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

node_dir() { echo "$base/node-$1"; }

# True when process $1 is a broker of this run directory: a pid file copied along with a
# target/ folder (another checkout, another test) must never stop someone else's broker.
ours() {
  tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$base/"
}

node_pid() {
  local f; f="$(node_dir "$1")/pid"
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && ours "$(cat "$f")" && cat "$f"
}

stop() {
  for d in "$base"/node-*; do
    [ -d "$d" ] || continue
    if [ -f "$d/pid" ]; then
      pid="$(cat "$d/pid")"
      if kill -0 "$pid" 2>/dev/null && ours "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
    rm -rf "$d"
  done
  if [ -f "$base/watchdog.pid" ]; then
    kill "$(cat "$base/watchdog.pid")" 2>/dev/null || true
    rm -f "$base/watchdog.pid"
  fi
  rm -f "$envfile" "$base/heap"
  rm -rf "$base/tls"
  # A run directory of a test's own goes entirely.
  if [ -n "${KDECK_KAFKA_DIR:-}" ]; then rmdir "$base" 2>/dev/null || true; fi
  # Older layout (one node, files at the top of target/kafka).
  if [ -f "$base/broker.pid" ]; then
    ours "$(cat "$base/broker.pid")" && kill -KILL "$(cat "$base/broker.pid")" 2>/dev/null || true
    rm -f "$base/broker.pid"
  fi
  rm -rf "$base"/run-*
}

# Starts node $1 from its properties (format already done) and waits until it answers.
launch() {
  local id="$1" d port started
  d="$(node_dir "$id")"
  port="$(cat "$d/port")"
  nohup java -Xms256m -Xmx"$heap" "${jvm[@]}" -cp "$cp" kafka.Kafka "$d/server.properties" \
    >> "$d/broker.log" 2>&1 &
  echo $! > "$d/pid"
  started=$(date +%s)
  until kcat -b "127.0.0.1:$port" -L -m 2 >/dev/null 2>&1; do
    if ! kill -0 "$(cat "$d/pid")" 2>/dev/null; then
      echo "kafka.sh: node $id exited during start-up; its log:" >&2
      tail -n 80 "$d/broker.log" >&2; exit 1
    fi
    if [ $(( $(date +%s) - started )) -gt 90 ]; then
      echo "kafka.sh: node $id did not answer within 90 s; its log:" >&2
      tail -n 80 "$d/broker.log" >&2; exit 1
    fi
    sleep 0.5
  done
  echo "kafka.sh: node $id up at 127.0.0.1:$port after $(( $(date +%s) - started )) s (log: $d/broker.log)" >&2
}

# A CA and a broker key pair signed by it (keytool only: it comes with Java).
make_tls() {
  local t="$base/tls" pw="$1"
  rm -rf "$t"; mkdir -p "$t"
  keytool -genkeypair -alias ca -dname CN=kdeck-test-ca -keyalg RSA -keysize 2048 -validity 3 \
    -ext bc:c -keystore "$t/ca.p12" -storetype PKCS12 -storepass "$pw" -keypass "$pw" >/dev/null 2>&1
  keytool -exportcert -rfc -alias ca -keystore "$t/ca.p12" -storepass "$pw" > "$t/ca.pem" 2>/dev/null
  keytool -genkeypair -alias broker -dname CN=localhost -keyalg RSA -keysize 2048 -validity 3 \
    -keystore "$t/broker.p12" -storetype PKCS12 -storepass "$pw" -keypass "$pw" >/dev/null 2>&1
  keytool -certreq -alias broker -keystore "$t/broker.p12" -storepass "$pw" 2>/dev/null |
    keytool -gencert -alias ca -keystore "$t/ca.p12" -storepass "$pw" -validity 3 -rfc \
      -ext SAN=ip:127.0.0.1,dns:localhost > "$t/broker.pem" 2>/dev/null
  keytool -importcert -alias ca -file "$t/ca.pem" -keystore "$t/broker.p12" -storepass "$pw" \
    -noprompt >/dev/null 2>&1
  keytool -importcert -alias broker -file "$t/broker.pem" -keystore "$t/broker.p12" \
    -storepass "$pw" >/dev/null 2>&1
}

start() {
  local nodes=1 sasl=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --nodes) nodes="$2"; shift 2 ;;
      --sasl) sasl=1; shift ;;
      *) echo "kafka.sh: unknown start option $1" >&2; exit 2 ;;
    esac
  done
  fetch
  mkdir -p "$base"
  if ls "$base"/node-*/pid >/dev/null 2>&1 || [ -f "$base/broker.pid" ]; then
    echo "kafka.sh: brokers already set up in $base; stopping them first" >&2
    stop
  fi
  command -v kcat >/dev/null || { echo "kafka.sh: kcat is missing (run scripts/deps.sh)" >&2; exit 1; }
  local rf=1 isr=1 voters="" i
  if [ "$nodes" -gt 1 ]; then rf=3; isr=2; [ "$nodes" -lt 3 ] && rf="$nodes" && isr=1; fi
  local -a ports cports sports
  local used=" "
  pick() { local p; p="$(free_port)"; while [[ "$used" == *" $p "* ]]; do p="$(free_port)"; done; used+="$p "; echo "$p"; }
  for i in $(seq 1 "$nodes"); do
    ports[$i]="$(pick)"; used+="${ports[$i]} "
    cports[$i]="$(pick)"; used+="${cports[$i]} "
    sports[$i]="$(pick)"; used+="${sports[$i]} "
    voters+="${voters:+,}$i@127.0.0.1:${cports[$i]}"
  done
  local tlspw="" saslpw=""
  if [ "$sasl" = 1 ]; then
    tlspw="$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    saslpw="$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    make_tls "$tlspw"
  fi
  local cluster_id
  cluster_id="$(java "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)"
  for i in $(seq 1 "$nodes"); do
    local d; d="$(node_dir "$i")"; mkdir -p "$d"
    echo "${ports[$i]}" > "$d/port"
    local listeners="PLAINTEXT://127.0.0.1:${ports[$i]}" map="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
    if [ "$sasl" = 1 ]; then
      listeners+=",SASL_SSL://127.0.0.1:${sports[$i]}"; map+=",SASL_SSL:SASL_SSL"
      echo "${sports[$i]}" > "$d/sasl_port"
    fi
    cat > "$d/server.properties" <<PROPS
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
listeners=$listeners,CONTROLLER://127.0.0.1:${cports[$i]}
advertised.listeners=$listeners
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$map
log.dirs=$d/data
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=3
default.replication.factor=$rf
min.insync.replicas=$isr
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr
group.initial.rebalance.delay.ms=0
num.partitions=3
auto.create.topics.enable=true
PROPS
    local -a scram=()
    if [ "$sasl" = 1 ]; then
      cat >> "$d/server.properties" <<PROPS
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.location=$base/tls/broker.p12
listener.name.sasl_ssl.ssl.keystore.password=$tlspw
listener.name.sasl_ssl.ssl.key.password=$tlspw
listener.name.sasl_ssl.ssl.keystore.type=PKCS12
PROPS
      scram=(--add-scram "SCRAM-SHA-512=[name=kdeck,password=$saslpw]")
    fi
    java "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$d/server.properties" "${scram[@]}" > "$d/format.log" 2>&1 || {
        echo "kafka.sh: formatting the storage of node $i failed:" >&2; tail -n 40 "$d/format.log" >&2; exit 1; }
  done
  heap=1g; [ "$nodes" -gt 1 ] && heap=512m
  echo "$heap" > "$base/heap"
  # Nodes of a cluster wait for each other's quorum: start them all, then wait for each.
  local -a launchers=()
  for i in $(seq 1 "$nodes"); do
    if [ "$nodes" -gt 1 ]; then launch "$i" & launchers+=($!); else launch "$i"; fi
  done
  # Only the launchers: a bare `wait` would wait for the brokers themselves.
  for l in "${launchers[@]}"; do wait "$l" || true; done
  for i in $(seq 1 "$nodes"); do
    node_pid "$i" >/dev/null || { echo "kafka.sh: node $i is not running" >&2; stop; exit 1; }
  done
  if [ -n "${KDECK_KAFKA_OWNER:-}" ]; then
    owner="$KDECK_KAFKA_OWNER" nohup bash -c '
      while kill -0 "$owner" 2>/dev/null; do sleep 2; done
      for f in "$0"/node-*/pid; do kill -KILL "$(cat "$f")" 2>/dev/null; done
      rm -rf "$0"' "$base" >/dev/null 2>&1 &
    echo $! > "$base/watchdog.pid"
  fi
  local all=""
  for i in $(seq 1 "$nodes"); do all+="${all:+,}127.0.0.1:${ports[$i]}"; done
  {
    echo "KDECK_TEST_BROKERS=$all"
    if [ "$sasl" = 1 ]; then
      local sall=""
      for i in $(seq 1 "$nodes"); do sall+="${sall:+,}127.0.0.1:${sports[$i]}"; done
      echo "KDECK_TEST_SASL_BROKERS=$sall"
      echo "KDECK_TEST_SASL_USER=kdeck"
      echo "KDECK_TEST_SASL_PASSWORD=$saslpw"
      echo "KDECK_TEST_CAFILE=$base/tls/ca.pem"
    fi
  } > "$envfile"
  echo "$all"
}

kill_node() {
  local id="${1:-1}" pid
  pid="$(node_pid "$id")" || { echo "kafka.sh: node $id is not running" >&2; exit 1; }
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  echo "kafka.sh: node $id (pid $pid) killed" >&2
}

restart_node() {
  local id="${1:-1}"
  [ -f "$(node_dir "$id")/server.properties" ] || { echo "kafka.sh: no node $id in $base" >&2; exit 1; }
  if node_pid "$id" >/dev/null; then echo "kafka.sh: node $id is still running" >&2; exit 1; fi
  heap="$(cat "$base/heap" 2>/dev/null || echo 1g)"
  launch "$id"
}

case "${1:-}" in
  fetch) fetch ;;
  start) shift; start "$@" ;;
  stop) stop ;;
  kill) kill_node "${2:-1}" ;;
  restart) restart_node "${2:-1}" ;;
  pid) node_pid "${2:-1}" || exit 1 ;;
  *) echo "usage: scripts/kafka.sh fetch | start [--nodes N] [--sasl] | stop | kill [NODE] | restart [NODE] | pid [NODE]" >&2; exit 2 ;;
esac
