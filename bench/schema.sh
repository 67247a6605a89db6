#!/usr/bin/env bash
# `kdeck tail` on Avro records (Confluent wire format, a real schema registry) beside Confluent's
# Python deserializer. A benchmark, not a test: it prints figures and asserts nothing about speed
# (it fails only when a step cannot be carried out or a reader misses records).
#
#   1. Starts its own broker (scripts/kafka.sh) and registry (scripts/registry.sh, Apicurio's
#      Confluent API), both in a scratch directory, and stops them by pid on exit.
#   2. Writes N Avro job-status records (tests/fixtures/schemas/job_event.avsc, which references
#      JobError) to a fresh 3-partition topic: the fixture's records are produced once with
#      Confluent's AvroSerializer (tests/clients/sr_client.py produce, which registers the
#      schemas), then their bytes are copied N times with `kcat -P`.
#   3. Times, best of 2 after a verification pass, output to /dev/null:
#        kdeck tail -t T --from beginning -e --schema-registry URL   (release build)
#        Python: confluent_kafka Consumer + AvroDeserializer in a tight loop, values only
#        Python: the same, plus json.dumps of each value (what a tail prints)
#        kcat -C -e (the bytes only, no decoding): the floor
#      and prints records/s, CPU time and peak RSS (GNU time).
# Debian's kcat 1.7.1 is built without Avro (`kcat -V`: no avro in builtin features), so
# `kcat -s avro -r` is not available; Confluent's Python deserializer is the reference instead.
#
# Usage: bench/schema.sh
# Env:   KDECK_BENCH_RECORDS  records (default 1000000)
#        KDECK_BIN            kdeck binary (default <repo>/target/release/kdeck, built if missing)
# Progress goes to stderr, the summary to stdout.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
records="${KDECK_BENCH_RECORDS:-1000000}"
fixtures="$root/tests/fixtures/schemas"

log() { echo "bench: $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 1; }
calc() { awk "BEGIN { $1 }"; }
thousands() { printf "%d" "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
now() { date +%s.%N; }

for t in kcat python3 awk curl; do command -v "$t" >/dev/null || die "$t is missing"; done
[ -x /usr/bin/time ] || die "GNU time is missing (Debian package time)"

kdeck="${KDECK_BIN:-$root/target/release/kdeck}"
if [ ! -x "$kdeck" ]; then
  [ -z "${KDECK_BIN:-}" ] || die "KDECK_BIN=$KDECK_BIN is not an executable"
  log "no $kdeck: cargo build --release"
  (cd "$root" && CARGO_TARGET_DIR="$root/target" cargo build --release --locked >&2)
fi
py="$("$root/scripts/pyclients.sh")"
"$root/scripts/registry.sh" fetch

# --- scratch, broker, registry, cleanup ----------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/kdeck-schema-bench.XXXXXX")"
empty="$work/empty.toml"; : > "$empty" # neither kdeck nor kcat reads the user's config
export KDECK_KAFKA_DIR="$work/kafka" KDECK_REGISTRY_DIR="$work/registry"
# Killed with this shell even if the trap never runs.
export KDECK_KAFKA_OWNER=$$ KDECK_REGISTRY_OWNER=$$
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # Both stop by the pid files in their own run directories (checked against the command line).
  "$root/scripts/registry.sh" stop >/dev/null 2>&1 || true
  "$root/scripts/kafka.sh" stop >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "starting a broker and a schema registry"
B="$("$root/scripts/kafka.sh" start)"
R="$("$root/scripts/registry.sh" start)"
log "broker $B, registry $R"
kc() { kcat -F "$empty" -b "$B" "$@"; }
sr() { "$py" "$root/tests/clients/sr_client.py" "$@"; }

# --- the records -------------------------------------------------------------------------
topic="bench-avro-$(date +%Y%m%d%H%M%S)-$$"
seed="$topic-seed"
log "registering JobError and producing the fixture's records with Confluent's AvroSerializer"
sr register --registry "$R" --subject com.kdeck.test.JobError --format avro \
  --schema "$fixtures/job_error.avsc" > /dev/null
sr produce --bootstrap "$B" --registry "$R" --topic "$seed" --format avro \
  --schema "$fixtures/job_event.avsc" --partition 0 \
  --reference com.kdeck.test.JobError=com.kdeck.test.JobError:latest \
  < "$fixtures/job_event.jsonl" > "$work/seed.out"
seeds="$(grep -cv '^schema-id' "$work/seed.out")"
log "$seeds seed records, schema id $(sed -n 's/^schema-id //p' "$work/seed.out")"

# The seed records' bytes, copied N times: keys job-<i>, values cycling through the seeds. The
# delimiters are byte strings that none of the values holds (checked).
"$py" - "$B" "$seed" "$seeds" "$records" "$work/records.bin" <<'PY'
import sys
from confluent_kafka import Consumer, TopicPartition
bootstrap, seed, n_seed, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-seed", "enable.auto.commit": False})
c.assign([TopicPartition(seed, 0, 0)])
values = []
while len(values) < n_seed:
    m = c.poll(10)
    if m is None:
        sys.exit("bench: the seed records did not come back")
    if m.error():
        sys.exit(f"bench: {m.error()}")
    values.append(m.value())
c.close()
KEY, REC = b"\x1d|kdeck-k|\x1d", b"\x1e|kdeck-r|\x1e"
assert all(KEY not in v and REC not in v for v in values)
with open(out, "wb") as f:
    for i in range(n):
        f.write(b"job-%d" % (i % 50000) + KEY + values[i % len(values)] + REC)
PY
data_mb="$(calc "printf \"%.0f\", $(stat -c %s "$work/records.bin") / 1e6")"
log "loading $(thousands "$records") records into $topic (kcat -P, ${data_mb} MB)"
t0="$(now)"
kc -P -t "$topic" -K $'\x1d|kdeck-k|\x1d' -D $'\x1e|kdeck-r|\x1e' -X linger.ms=50 \
  -X batch.num.messages=10000 -X batch.size=1000000 -l "$work/records.bin" 2> "$work/produce.err" \
  || { cat "$work/produce.err" >&2; die "kcat -P failed"; }
log "loaded in $(calc "printf \"%.1f\", $(now) - $t0") s"
parts="$(kc -L -t "$topic" 2>/dev/null | awk '$1 == "partition"' | wc -l)"
log "topic $topic: $parts partitions"

# --- the readers -------------------------------------------------------------------------
# Python: Confluent's consumer and AvroDeserializer (schemas fetched once, then cached by id),
# reading every partition from the start until N records; mode "decode" keeps the values,
# mode "json" also writes each as a JSON line (logical types as text) to stdout.
cat > "$work/pyread.py" <<'PY'
import json, sys
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext
bootstrap, registry, topic, n, mode = sys.argv[1:6]
n = int(n)
de = AvroDeserializer(SchemaRegistryClient({"url": registry}))
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-py", "enable.auto.commit": False,
              "enable.partition.eof": False})
parts = sorted(c.list_topics(topic, timeout=10).topics[topic].partitions)
c.assign([TopicPartition(topic, p, 0) for p in parts])
ctx = SerializationContext(topic, MessageField.VALUE)
out = sys.stdout
dumps = json.JSONEncoder(default=str, separators=(",", ":")).encode
got = 0
while got < n:
    for m in c.consume(min(1000, n - got), 5.0):
        if m.error():
            sys.exit(str(m.error()))
        v = de(m.value(), ctx)
        if mode == "json":
            out.write(dumps(v))
            out.write("\n")
        got += 1
c.close()
print(got, file=sys.stderr)
PY

readers=(kdeck pyjson pydecode kcat)
declare -A label
label[kdeck]='`kdeck tail --from beginning -e --schema-registry URL` (JSON lines: position, key, headers, the decoded value, its base64)'
label[pyjson]="Python: confluent_kafka's AvroDeserializer + json.dumps of each value"
label[pydecode]="Python: confluent_kafka's AvroDeserializer alone (values decoded, nothing written)"
label[kcat]='`kcat -C -e` (bytes only, not decoded: the floor)'
reader_argv() {
  case "$1" in
    kdeck) argv=("$kdeck" tail --config "$empty" -b "$B" -t "$topic" --from beginning -e --schema-registry "$R") ;;
    pyjson) argv=("$py" "$work/pyread.py" "$B" "$R" "$topic" "$records" json) ;;
    pydecode) argv=("$py" "$work/pyread.py" "$B" "$R" "$topic" "$records" decode) ;;
    kcat) argv=(kcat -F "$empty" -b "$B" -C -t "$topic" -o beginning -e -q) ;;
  esac
}

# Verification (also warms the page cache): kdeck prints every record, each decoded through
# the registry; the Python reader reads every record.
reader_argv kdeck
"${argv[@]}" 2> "$work/kdeck.err" | "$py" -c '
import json, sys
n = 0
for line in sys.stdin:
    d = json.loads(line)
    assert d.get("value_encoding") == "avro", d
    assert d["value"]["status"] in ("QUEUED", "RUNNING", "COMPLETED", "FAILED"), d
    n += 1
print(n)' > "$work/kdeck.count" || { cat "$work/kdeck.err" >&2; die "kdeck tail's output is not the decoded records"; }
[ "$(cat "$work/kdeck.count")" -eq "$records" ] || die "kdeck tail printed $(cat "$work/kdeck.count") records, expected $records"
reader_argv pyjson
[ "$("${argv[@]}" 2>/dev/null | wc -l)" -eq "$records" ] || die "the Python reader did not print $records records"
log "verification: kdeck and Python each read $(thousands "$records") records, kdeck decoded every one"

# Timed runs, interleaved, best of 2 by wall time; output to /dev/null.
declare -A best cpu rss
for round in 1 2; do
  for r in "${readers[@]}"; do
    reader_argv "$r"
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" "${argv[@]}" > /dev/null 2> "$work/$r.err" \
      || { cat "$work/$r.err" >&2; die "$r failed"; }
    read -r secs user sys maxkb < <(tail -1 "$work/time")
    log "  round $round: $r ${secs} s, CPU $(calc "printf \"%.2f\", $user + $sys") s, peak RSS $((maxkb / 1024)) MB"
    if [ -z "${best[$r]:-}" ] || calc "exit !($secs < ${best[$r]})"; then
      best[$r]="$secs"; cpu[$r]="$(calc "printf \"%.2f\", $user + $sys")"
    fi
    [ "${rss[$r]:-0}" -ge "$maxkb" ] || rss[$r]="$maxkb"
  done
done

load="$(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "### \`kdeck tail\` on $(thousands "$records") Avro records beside Confluent's Python deserializer"
echo
echo "$(nproc) cores, load average $load; single-node Kafka and Apicurio Registry on loopback;"
echo "$parts partitions, ${data_mb} MB of values and keys; best of 2 by wall time, output to /dev/null."
echo
echo "| reader | wall | records/s | CPU | CPU per record | peak RSS |"
echo "|---|---|---|---|---|---|"
for r in "${readers[@]}"; do
  echo "| ${label[$r]} | ${best[$r]} s | $(calc "printf \"%.0f\", $records / ${best[$r]}" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta') | ${cpu[$r]} s | $(calc "printf \"%.2f\", ${cpu[$r]} * 1e6 / $records") µs | $((rss[$r] / 1024)) MB |"
done
