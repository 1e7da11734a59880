#!/usr/bin/env bash
# Followers across hosts: three network namespaces joined by veth pairs
# stand for a primary, a regional follower and an edge follower
#
#   nw-primary 169.254.71.1 ── veth ── 169.254.71.2 nw-regional 169.254.72.1 ── veth ── 169.254.72.2 nw-edge
#
# The regional-edge link is slowed (tc tbf: this kernel has no netem), both
# links are cut and restored while publishes go on, and a desk on the edge
# must see every revision once, verified; afterwards the three logs are
# identical (newswire admin compare) and verify clean. Traffic stays between
# the namespaces this script makes, on link-local addresses it assigns.
#
# Usage: followers_netns.sh NEWSWIRED NEWSWIRE [REVISIONS]
# Exit 77 (skipped) without root or iproute2.
set -euo pipefail

NEWSWIRED=$(realpath "$1")
NEWSWIRE=$(realpath "$2")
REVISIONS=${3:-300}
EXAMPLE=$(dirname "$(realpath "$0")")/../../examples/tokyo-talks/v1.json

if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! command -v tc >/dev/null; then
  echo "skipped: needs root, ip and tc (iproute2)"
  exit 77
fi
if ! ip netns add "nw-probe-$$" 2>/dev/null; then
  echo "skipped: cannot create network namespaces here"
  exit 77
fi
ip netns del "nw-probe-$$"

TAG=$$
P=nwp$TAG R=nwr$TAG E=nwe$TAG
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  for ns in "$P" "$R" "$E"; do ip netns del "$ns" 2>/dev/null || true; done
  if [ "${KEEP:-}" = "" ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$WORK"/*.log; do echo "--- $f"; tail -20 "$f"; done
  exit 1
}
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# The three hosts and their links.
for ns in "$P" "$R" "$E"; do
  ip netns add "$ns"
  in_ns "$ns" ip link set lo up
done
ip link add "p$TAG" netns "$P" type veth peer name "rp$TAG" netns "$R"
ip link add "re$TAG" netns "$R" type veth peer name "e$TAG" netns "$E"
in_ns "$P" ip addr add 169.254.71.1/30 dev "p$TAG"
in_ns "$R" ip addr add 169.254.71.2/30 dev "rp$TAG"
in_ns "$R" ip addr add 169.254.72.1/30 dev "re$TAG"
in_ns "$E" ip addr add 169.254.72.2/30 dev "e$TAG"
in_ns "$P" ip link set "p$TAG" up
in_ns "$R" ip link set "rp$TAG" up
in_ns "$R" ip link set "re$TAG" up
in_ns "$E" ip link set "e$TAG" up
# The edge's link is a thin one: 2 Mbit/s with a small queue.
in_ns "$R" tc qdisc add dev "re$TAG" root tbf rate 2mbit burst 16kb latency 200ms

PRIMARY=tcp://169.254.71.1:7700
REGIONAL=tcp://169.254.72.1:7700
EDGE=tcp://169.254.72.2:7700

# Waits for a "ready" line in a daemon's stdout file.
wait_ready() {
  for _ in $(seq 100); do
    grep -q '^ready' "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "no ready line in $1"
}
start() {  # ns name listen [follow]
  local ns=$1 name=$2 listen=$3 follow=${4:-}
  # --insecure: the links are veth pairs between this test's own namespaces.
  local args=(--listen "$listen" --data-dir "$WORK/$name" --metrics-listen 127.0.0.1:7780
              --heartbeat-ms 200 --insecure)
  [ -n "$follow" ] && args+=(--follow "$follow")
  # Not through in_ns: $! must be newswired itself (ip netns exec execs it).
  ip netns exec "$ns" "$NEWSWIRED" "${args[@]}" >"$WORK/$name.out" 2>"$WORK/$name.log" &
  PIDS+=($!)
  wait_ready "$WORK/$name.out"
}
start "$P" primary "$PRIMARY"
start "$R" regional "$REGIONAL" "$PRIMARY"
start "$E" edge "$EDGE" "$REGIONAL"

# A desk on the edge, following the whole wire.
ip netns exec "$E" timeout 120 "$NEWSWIRE" tail --json --hub "$EDGE" --count "$REVISIONS" \
  >"$WORK/desk.jsonl" 2>"$WORK/desk.log" &
DESK=$!
PIDS+=($DESK)
sleep 3

# Articles to publish: revisions of 20 stories.
python3 - "$EXAMPLE" "$WORK/articles" "$REVISIONS" <<'PY'
import json, os, sys
example, out, count = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3])
os.makedirs(out)
for n in range(count):
    article = dict(example)
    article["id"] = f"netns-story-{n % 20}"
    article["headline"] = f"Edge test revision {n}"
    article["body"] = list(example.get("body", [])) + [f"Paragraph of revision {n}."]
    json.dump(article, open(f"{out}/{n:05d}.json", "w"))
PY

publish_chunk() {  # first count
  local files=()
  for n in $(seq "$1" $(($1 + $2 - 1))); do files+=("$WORK/articles/$(printf %05d "$n").json"); done
  in_ns "$P" "$NEWSWIRE" publish --hub "$PRIMARY" --publisher netns "${files[@]}" \
    >>"$WORK/publish.out" 2>>"$WORK/publish.log" || fail "publish failed"
}
CHUNK=$((REVISIONS / 6))
publish_chunk 0 "$CHUNK"
in_ns "$R" ip link set "rp$TAG" down          # primary-regional link cut
publish_chunk "$CHUNK" "$CHUNK"
sleep 3
in_ns "$R" ip link set "rp$TAG" up
publish_chunk $((2 * CHUNK)) "$CHUNK"
in_ns "$R" ip link set "re$TAG" down          # regional-edge link cut
publish_chunk $((3 * CHUNK)) "$CHUNK"
sleep 3
in_ns "$R" ip link set "re$TAG" up
in_ns "$R" tc qdisc replace dev "re$TAG" root tbf rate 2mbit burst 16kb latency 200ms
publish_chunk $((4 * CHUNK)) $((REVISIONS - 4 * CHUNK))

wait "$DESK" || fail "the desk on the edge did not get $REVISIONS revisions in time"

python3 - "$WORK/desk.jsonl" "$REVISIONS" <<'PY' || fail "the desk's deliveries are wrong"
import json, sys
seqs, unverified = [], 0
for line in open(sys.argv[1]):
    record = json.loads(line)
    if "gap" in record:
        sys.exit(f"gap: {record}")
    if "wire_seq" in record:
        seqs.append(record["wire_seq"])
        unverified += not record["verified"]
want = list(range(1, int(sys.argv[2]) + 1))
if seqs != want:
    sys.exit(f"wire sequences seen: {len(seqs)}, first wrong at "
             f"{next((i for i, (a, b) in enumerate(zip(seqs, want)) if a != b), len(seqs))}")
if unverified:
    sys.exit(f"{unverified} deliveries not verified")
print(f"desk on the edge: {len(seqs)} revisions, each once, in order, verified")
PY

for node in "$REGIONAL" "$EDGE"; do
  ok=""
  for _ in $(seq 100); do
    if in_ns "$R" "$NEWSWIRE" admin compare --hub "$PRIMARY" --hub "$node" >"$WORK/compare.out"; then
      grep -q "newest \([0-9]*\) and \1$" "$WORK/compare.out" && { ok=1; break; }
    fi
    sleep 0.2
  done
  [ -n "$ok" ] || fail "$node is not identical to the primary: $(cat "$WORK/compare.out")"
  cat "$WORK/compare.out"
done

for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
PIDS=()
for name in primary regional edge; do
  "$NEWSWIRE" admin verify --data-dir "$WORK/$name" || fail "$name does not verify"
done
echo "1 passed, 0 failed"
