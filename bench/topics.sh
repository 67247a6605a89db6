#!/usr/bin/env bash
# `kdeck topics` on a large cluster: by default 1,000 topics × 12 partitions with records on
# every partition, a mix of shapes (status, completion, Spring dead letters, plain log lines),
# so that role detection has work on every topic. Times the list alone and the list with every
# topic's role proposed, beside `kcat -L` (metadata only), with wall time, CPU and peak RSS.
# A benchmark: prints figures, asserts nothing about speed (it fails only when a step cannot be
# carried out).
#   bench/topics.sh [KDECK_BIN]      default target/release/kdeck (not built by the script)
# Env: KDECK_BENCH_BROKERS (else a fresh broker is started, and stopped at the end),
#      KDECK_BENCH_TOPICS (1000), KDECK_BENCH_PARTITIONS (12), KDECK_BENCH_RECORDS (records per
#      partition, 5), KDECK_BENCH_PREFIX (topic prefix; topics that exist are reused, none
#      written again), RUNS (runs per figure, 3), KDECK_BENCH_LOAD_ONLY=1 (create and write the
#      topics, then stop: bench/browse.sh loads its cluster so; needs KDECK_BENCH_BROKERS).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kdeck="${1:-${KDECK_BIN:-$root/target/release/kdeck}}"
topics="${KDECK_BENCH_TOPICS:-1000}"
parts="${KDECK_BENCH_PARTITIONS:-12}"
per="${KDECK_BENCH_RECORDS:-5}"
prefix="${KDECK_BENCH_PREFIX:-bench-topics-$$-}"
runs="${RUNS:-3}"
log() { echo "bench/topics.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }
load_only="${KDECK_BENCH_LOAD_ONLY:-}"
[ -z "$load_only" ] || [ -n "${KDECK_BENCH_BROKERS:-}" ] || die "KDECK_BENCH_LOAD_ONLY needs KDECK_BENCH_BROKERS"
[ -n "$load_only" ] || [ -x "$kdeck" ] || die "no $kdeck (cargo build --release, or pass the binary)"
for t in kcat java python3; do command -v "$t" >/dev/null || die "$t is not installed"; done
[ -x /usr/bin/time ] || die "GNU time is missing (apt-get install -y time)"
work="$(mktemp -d)"; own=""
cleanup() {
  [ -z "$own" ] || "$root/scripts/kafka.sh" stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${KDECK_BENCH_BROKERS:-}" ]; then
  B="$KDECK_BENCH_BROKERS"
else
  own=1; B="$("$root/scripts/kafka.sh" start)"
fi
log "broker $B; $topics topics × $parts partitions, $per records per partition"

# --- the topics and their records: the broker's own client, batches of 50 topics -------------
cat > "$work/TopicsLoad.java" <<'JAVA'
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.concurrent.ExecutionException;

// Creates TOPICS topics of PARTS partitions, 50 a request, and writes PER records to each
// partition of each topic it created. Topic i is, by i % 4: status, completion, Spring DLT,
// plain log.
public class TopicsLoad {
    public static void main(String[] a) throws Exception {
        String b = a[0], prefix = a[1];
        int topics = Integer.parseInt(a[2]), parts = Integer.parseInt(a[3]), per = Integer.parseInt(a[4]);
        Properties p = new Properties(); p.put("bootstrap.servers", b);
        long t0 = System.nanoTime();
        Set<Integer> fresh = new TreeSet<>();
        try (Admin ad = Admin.create(p)) {
            for (int from = 0; from < topics; from += 50) {
                Map<Integer, NewTopic> batch = new LinkedHashMap<>();
                for (int i = from; i < Math.min(topics, from + 50); i++)
                    batch.put(i, new NewTopic(prefix + i, parts, (short) 1));
                CreateTopicsResult r = ad.createTopics(batch.values());
                for (Map.Entry<Integer, NewTopic> e : batch.entrySet()) {
                    try { r.values().get(e.getValue().name()).get(); fresh.add(e.getKey()); }
                    catch (ExecutionException x) {
                        if (!(x.getCause() instanceof TopicExistsException)) throw x;
                    }
                }
            }
        }
        System.out.printf("created %d topics (%d new) in %.1f s%n", topics, fresh.size(), (System.nanoTime() - t0) / 1e9);
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        p.put("linger.ms", "50"); p.put("batch.size", "65536");
        long t1 = System.nanoTime(); long n = 0;
        try (Producer<String, String> pr = new KafkaProducer<>(p)) {
            for (int i : fresh) {
                String t = prefix + i;
                for (int part = 0; part < parts; part++) for (int k = 0; k < per; k++) {
                    String id = "job-" + i + "-" + part + "-" + k;
                    ProducerRecord<String, String> r;
                    switch (i % 4) {
                        case 0: r = new ProducerRecord<>(t, part, id, "{\"taskId\":\"" + id + "\",\"status\":\"in_progress\",\"progress_percentage\":" + (k * 20) + "}"); break;
                        case 1: r = new ProducerRecord<>(t, part, id, "{\"export_id\":\"" + id + "\",\"status\":\"completed\",\"rows\":" + k + "}"); break;
                        case 2:
                            r = new ProducerRecord<>(t, part, id, "{\"order_id\":\"" + id + "\"}");
                            r.headers().add("kafka_dlt-original-topic", (prefix + (i - 1)).getBytes(StandardCharsets.UTF_8));
                            r.headers().add("kafka_dlt-exception-fqcn", "java.lang.IllegalStateException".getBytes(StandardCharsets.UTF_8));
                            r.headers().add("kafka_dlt-exception-message", "bad order".getBytes(StandardCharsets.UTF_8));
                            break;
                        default: r = new ProducerRecord<>(t, part, id, "GET /health 200 " + k + "ms"); break;
                    }
                    pr.send(r); n++;
                }
            }
            pr.flush();
        }
        System.out.printf("wrote %d records in %.1f s%n", n, (System.nanoTime() - t1) / 1e9);
    }
}
JAVA
java -cp "$root/target/kafka/libs/*" -Dlog4j2.configurationFile="$root/tests/kafka/log4j2.xml" \
  "$work/TopicsLoad.java" "$B" "$prefix" "$topics" "$parts" "$per" > "$work/load.log" 2>&1 ||
  { tail -n 40 "$work/load.log" >&2; die "creating the topics failed"; }
# The client's own log lines (retries while 12,000 partitions get their leaders) stay out.
grep -E '^(created|wrote)' "$work/load.log" >&2
grep -q '^wrote' "$work/load.log" || { tail -n 40 "$work/load.log" >&2; die "writing the records failed"; }
[ -z "$load_only" ] || exit 0

# --- how the broker copes ----------------------------------------------------------------------
if [ -n "$own" ]; then
  jpid="$("$root/scripts/kafka.sh" pid)"
  log "broker: RSS $(awk '/^VmRSS/ {printf "%.0f MB", $2/1024}' "/proc/$jpid/status"), \
$(ls "/proc/$jpid/fd" | wc -l) open files (limit $(awk '/Max open files/ {print $4}' "/proc/$jpid/limits")), \
$(wc -l < "/proc/$jpid/maps") memory maps (limit $(cat /proc/sys/vm/max_map_count))"
fi

# --- the figures -------------------------------------------------------------------------------
# One run of kdeck topics: wall, CPU and peak RSS from GNU time, the list and detection times
# from kdeck's log line, and how many of our topics got the role their records say.
measure() {
  local label="$1"; shift
  local logdir="$work/log-$RANDOM"
  KDECK_LOG_DIR="$logdir" /usr/bin/time -f '%e %U %S %M' -o "$work/time" \
    "$kdeck" --config /dev/null -b "$B" topics --output json "$@" > "$work/out.json"
  local line; line="$(grep -ho '[0-9]* listed in .* later' "$logdir"/*.log | tail -1)"
  local roles
  roles="$(python3 - "$work/out.json" "$prefix" "$parts" "$per" <<'PY'
import json, sys
want = ["status", "completion", "dlq", None]
path, prefix, parts, per = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
# kdeck's sample: 50 records spread over the partitions, at least one each, 50 at most.
full = min(50, min(per, max(50 // parts, 1)) * parts)
ok = whole = mine = kept = 0
for l in open(path):
    t = json.loads(l)
    if not t["topic"].startswith(prefix):
        continue
    mine += 1
    kept += t["retention_ms"] is not None
    i = int(t["topic"][len(prefix):])
    ok += t["role"] == want[i % 4]
    whole += i % 4 == 2 and f"{full} of {full} records" in t["evidence"]
print(f"{ok} of {mine} topics proposed right, {whole} of {mine // 4 + (mine % 4 > 2)} DLTs from a whole sample, "
      f"{kept} with their retention")
PY
)"
  read -r wall user sys rss < "$work/time"
  printf '  %-34s wall %5.2f s  CPU %5.2f s  RSS %4.0f MB  (%s; %s)\n' "$label" "$wall" \
    "$(awk "BEGIN{print $user + $sys}")" "$(awk "BEGIN{print $rss / 1024}")" "$line" "$roles"
}

echo "kdeck topics on $topics topics × $parts partitions, $per records per partition (load average $(cut -d' ' -f1-3 /proc/loadavg))"
for i in $(seq 1 "$runs"); do
  s="$(date +%s.%N)"; kcat -b "$B" -L -m 10 > /dev/null; e="$(date +%s.%N)"
  printf '  %-34s wall %5.2f s\n' "kcat -L (metadata only)" "$(awk "BEGIN{print $e - $s}")"
done
for i in $(seq 1 "$runs"); do measure "list alone (--sample-secs 0.001)" --sample-secs 0.001; done
for i in $(seq 1 "$runs"); do measure "list and roles (default 5 s)"; done
for i in $(seq 1 "$runs"); do measure "list and roles (--sample-secs 10)" --sample-secs 10; done
echo "  (load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
