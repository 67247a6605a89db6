#!/usr/bin/env bash
# The dashboard's topic browser on a large cluster: by default 1,000 topics × 12 partitions with
# records on every partition (written by bench/topics.sh's loader). kdeck starts with none of
# its configured topics on the cluster, so the browser opens by itself (a first start). In tmux
# at 160×45, per round: the time from launch to the first screen with the list (the summary
# line counts the topics) and to "roles proposed", the latency of `Down` pressed every 300 ms
# from launch until well after the roles are in (time until the evidence line under the table
# names another topic; the screen is polled every ~5 ms, which adds up to ~10 ms), and kdeck's
# CPU and RSS at the end. A benchmark: prints figures, asserts nothing about speed (it fails
# only when a step cannot be carried out).
#   bench/browse.sh [KDECK_BIN]      default target/release/kdeck (not built by the script)
# Env: KDECK_BENCH_BROKERS (else a fresh broker is started, and stopped at the end),
#      KDECK_BENCH_PREFIX (topic prefix; topics that exist are reused, none written again),
#      KDECK_BENCH_TOPICS, KDECK_BENCH_PARTITIONS, KDECK_BENCH_RECORDS (as bench/topics.sh:
#      1000, 12, 5), ROUNDS (5), KDECK_BENCH_KEY_MS (ms between keys, 300),
#      KDECK_BENCH_KEY_SECS (keep pressing until this long after launch, 10; and until 10 keys
#      were answered after the roles are in).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kdeck="${1:-${KDECK_BIN:-$root/target/release/kdeck}}"
rounds="${ROUNDS:-5}"
log() { echo "bench/browse.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }
[ -x "$kdeck" ] || die "no $kdeck (cargo build --release, or pass the binary)"
for t in tmux kcat java python3; do command -v "$t" >/dev/null || die "$t is not installed"; done
sock="kdeck-browse-$$"
work="$(mktemp -d)"; own=""
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null || true
  [ -z "$own" ] || "$root/scripts/kafka.sh" stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${KDECK_BENCH_BROKERS:-}" ]; then
  B="$KDECK_BENCH_BROKERS"
else
  own=1; B="$("$root/scripts/kafka.sh" start)"
fi
export KDECK_BENCH_PREFIX="${KDECK_BENCH_PREFIX:-bench-browse-$$-}"
log "broker $B; loading the topics (bench/topics.sh's loader)"
KDECK_BENCH_BROKERS="$B" KDECK_BENCH_LOAD_ONLY=1 "$root/bench/topics.sh" "$kdeck" \
  || die "loading the topics failed"
kcat -b "$B" -L -m 10 > "$work/metadata" || die "kcat -L failed against $B"
listed="$(awk '$1 == "topic" && $2 !~ /^"__/' "$work/metadata" | wc -l)"
log "the cluster has $listed topics besides its own"

# The tmux server stays up between rounds (its start is not kdeck's); each round gets a fresh
# session, started on `sleep` and respawned on kdeck, as bench/startup.sh does.
tmux -L "$sock" -f /dev/null new-session -d -s keep -x 160 -y 45 "sleep 100000"

# One round: launch, poll the screen, press Down, print one JSON line of figures.
cat > "$work/round.py" <<'PY'
import json, os, re, subprocess, sys, time
sock, session, cmd = sys.argv[1], sys.argv[2], sys.argv[3]
key_s = int(os.environ.get("KDECK_BENCH_KEY_MS", "300")) / 1000
keys_until = float(os.environ.get("KDECK_BENCH_KEY_SECS", "10"))
tick = os.sysconf("SC_CLK_TCK")

def tmux(*a):
    return subprocess.run(["tmux", "-L", sock, *a], check=True, capture_output=True, text=True).stdout

captures = []

def screen():
    t = time.monotonic()
    s = tmux("capture-pane", "-p", "-t", session)
    captures.append((time.monotonic() - t) * 1000)
    return s

def die(msg, shot=""):
    sys.stderr.write(f"bench/browse.sh: error: {msg}\n{shot}\n")
    sys.exit(1)

TOPIC = re.compile(r"^([A-Za-z0-9._-]+)(?:: | cannot be read)")

def read(s):
    """(topics listed or None, roles proposed?, kdeck's own figure, selected topic or None)"""
    lines = s.splitlines()
    col = next(((i, l.find("┌ Topics of")) for i, l in enumerate(lines) if "┌ Topics of" in l), None)
    if col is None:
        return None, False, None, None
    row, x = col
    inner = []
    for l in lines[row + 1:]:
        if l[x:x + 1] == "└":  # the browser's bottom border
            break
        inner.append(l[x + 1:])
    top = inner[0] if inner else ""
    m = re.match(r"(\d+) topics", top)
    n = int(m.group(1)) if m else None
    done = re.search(r"roles proposed from their newest records in ([0-9.]+) s", top)
    sel = None
    for l in inner[1:]:
        t = TOPIC.match(l)
        if t:
            sel = t.group(1)
            break
    return n, bool(done), (float(done.group(1)) if done else None), sel

def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick

def status(pid, field):
    for l in open(f"/proc/{pid}/status"):
        if l.startswith(field + ":"):
            return int(l.split()[1]) / 1024

t0 = time.monotonic()
tmux("respawn-pane", "-k", "-t", session, cmd)
pid = int(tmux("display", "-p", "-t", session, "#{pane_pid}").strip())
opened = listed = done = None
n = own = None
cpu_done = None
keys = []          # (phase, ms or None when the screen did not change within 2 s)
early = 0          # keys sent before the list was on screen (nothing to move yet)
pending = None     # (sent at, phase, selection before)
next_key = t0 + key_s
while True:
    s = screen()
    now = time.monotonic()
    got_n, got_done, got_own, sel = read(s)
    if opened is None and "┌ Topics of" in s:
        opened = now
    if listed is None and got_n is not None:
        listed, n = now, got_n
    if done is None and got_done:
        done, own, cpu_done = now, got_own, cpu(pid)
    if pending:
        sent, phase, before = pending
        if sel != before:
            keys.append((phase, (now - sent) * 1000))
            pending = None
        elif now - sent > 2:
            keys.append((phase, None))
            pending = None
    after = sum(1 for p, _ in keys if p == "after")
    if done and now - t0 >= keys_until and after >= 10 and not pending:
        break
    if now - t0 > 60:
        die("no " + ("list" if listed is None else "roles proposed") + " within 60 s of launch", s)
    if not pending and now >= next_key:
        phase = "before" if listed is None else ("sampling" if done is None else "after")
        before = sel
        sent = time.monotonic()
        tmux("send-keys", "-t", session, "Down")
        if phase == "before":
            early += 1
        else:
            pending = (sent, phase, before)
        next_key = sent + key_s
    time.sleep(0.005)
end = time.monotonic()
c_end = cpu(pid)
print(json.dumps({
    "opened": (opened - t0) * 1000 if opened else None,
    "listed": (listed - t0) * 1000, "topics": n,
    "done": (done - t0) * 1000, "own_s": own,
    "sampling": [ms for p, ms in keys if p == "sampling"],
    "after": [ms for p, ms in keys if p == "after"],
    "early": early,
    "cpu_s": c_end, "cpu_sampling_s": cpu_done,
    "after_cpu_pct": 100 * (c_end - cpu_done) / (end - done),
    "rss_mb": status(pid, "VmRSS"), "hwm_mb": status(pid, "VmHWM"),
    "secs": end - t0,
    "capture_ms": sorted(captures)[len(captures) // 2],
}))
PY

echo "the dashboard's topic browser on $listed topics ($KDECK_BENCH_PREFIX*: ${KDECK_BENCH_TOPICS:-1000} × ${KDECK_BENCH_PARTITIONS:-12} partitions, ${KDECK_BENCH_RECORDS:-5} records per partition), tmux 160×45, $rounds rounds (load average $(cut -d' ' -f1-3 /proc/loadavg))"
: > "$work/rounds.jsonl"
for r in $(seq 1 "$rounds"); do
  s="round$r"
  tmux -L "$sock" new-session -d -s "$s" -x 160 -y 45 "sleep 100000"
  sleep 0.3
  python3 "$work/round.py" "$sock" "$s" \
    "exec env KDECK_LOG_DIR='$work/logs' '$kdeck' --config /dev/null -b '$B' --completion nope.c --status nope.s --dlq nope.d" \
    > "$work/round.json" || die "round $r could not be carried out"
  tmux -L "$sock" kill-session -t "$s"
  cat "$work/round.json" >> "$work/rounds.jsonl"
  python3 - "$r" "$work/round.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[2]))
def ms(v): return "—" if v is None else f"{v:.0f}"
def keys(v):
    got = sorted(x for x in v if x is not None)
    miss = len(v) - len(got)
    return (" ".join(ms(x) for x in v) or "none") + (f" ({miss} unanswered in 2 s)" if miss else "")
print(f"  round {sys.argv[1]}: browser open {ms(r['opened'])} ms, first list ({r['topics']} topics) {ms(r['listed'])} ms, "
      f"roles proposed {ms(r['done'])} ms (kdeck's own figure {r['own_s']} s); CPU {r['cpu_s']:.2f} s in {r['secs']:.1f} s "
      f"({r['cpu_sampling_s']:.2f} s by the roles, {r['after_cpu_pct']:.0f}% of a core after), RSS {r['rss_mb']:.0f} MB (peak {r['hwm_mb']:.0f} MB); a capture took {r['capture_ms']:.1f} ms")
print(f"    keys answered (ms) while sampling: {keys(r['sampling'])}; after: {keys(r['after'])}; {r['early']} sent before the list")
PY
done

python3 - "$work/rounds.jsonl" <<'PY'
import json, math, statistics, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
def rng(vals, f="{:.0f}"):
    vals = sorted(vals)
    return f"median {f.format(statistics.median(vals))}, min {f.format(vals[0])}, max {f.format(vals[-1])}"
def pct(vals, p):
    return vals[max(0, math.ceil(p * len(vals)) - 1)]
def lat(name, key):
    all_ = [x for r in rs for x in r[key]]
    got = sorted(x for x in all_ if x is not None)
    miss = len(all_) - len(got)
    if not got:
        return f"  key answered {name}: no key measured"
    return (f"  key answered {name} ({len(got)} keys): median {statistics.median(got):.0f} ms, "
            f"p90 {pct(got, 0.9):.0f} ms, max {got[-1]:.0f} ms" + (f"; {miss} unanswered within 2 s" if miss else ""))
print(f"summary over {len(rs)} rounds:")
print(f"  first list (launch to the summary counting {rs[0]['topics']} topics): {rng([r['listed'] for r in rs])} ms")
print(f"  roles proposed (launch to the summary saying so): {rng([r['done'] for r in rs])} ms; "
      f"kdeck's own figure {rng([r['own_s'] for r in rs], '{:.1f}')} s")
print(lat("while sampling", "sampling"))
print(lat("after the roles", "after"))
print(f"  CPU at the end: {rng([r['cpu_s'] for r in rs], '{:.2f}')} s over {rng([r['secs'] for r in rs], '{:.1f}')} s "
      f"({rng([r['cpu_sampling_s'] for r in rs], '{:.2f}')} s by the roles; {rng([r['after_cpu_pct'] for r in rs])} % of a core after)")
print(f"  RSS at the end: {rng([r['rss_mb'] for r in rs])} MB; peak {rng([r['hwm_mb'] for r in rs])} MB")
print(f"  (reading the screen: a capture took {rng([r['capture_ms'] for r in rs], '{:.1f}')} ms, then ~5 ms of sleep)")
PY
echo "  (load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
