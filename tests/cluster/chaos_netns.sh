#!/usr/bin/env bash
# Failover chaos across hosts: three network namespaces, each with an etcd
# member and a newswired node (acks = "quorum"), joined by a mesh of veth
# pairs; publishers in every namespace publish through all three hubs. Each
# cycle picks the primary and kills it (kill -9), cuts it off (its links
# down, while it keeps running) or restarts it; nodes run under a small
# supervisor, as systemd's Restart= would run them. After the run: every
# acknowledged revision is on every node, no wire sequence was given to two
# revisions, the logs are identical and verify clean; failover times (from
# the fault to the first ack after it) are printed.
#
# Usage: chaos_netns.sh NEWSWIRED NEWSWIRE [CYCLES]    (exit 77: skipped)
set -euo pipefail

NEWSWIRED=$(realpath "$1")
NEWSWIRE=$(realpath "$2")
CYCLES=${3:-10}
EXAMPLE=$(dirname "$(realpath "$0")")/../../examples/tokyo-talks/v1.json

if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! command -v etcd >/dev/null; then
  echo "skipped: needs root, iproute2 and etcd"
  exit 77
fi
ip netns add "nw-probe-$$" 2>/dev/null || { echo "skipped: no network namespaces here"; exit 77; }
ip netns del "nw-probe-$$"

TAG=$$
NS=("nwc0-$TAG" "nwc1-$TAG" "nwc2-$TAG")
WORK=$(mktemp -d)
STOP="$WORK/stop"
cleanup() {
  touch "$STOP"
  for f in "$WORK"/*.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true; done
  sleep 0.5
  for f in "$WORK"/*.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true; done
  for ns in "${NS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  if [ -z "${KEEP:-}" ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$WORK"/node-*.log; do echo "--- $f"; tail -15 "$f"; done
  for f in "$WORK"/publisher-*.log; do echo "--- $f"; tail -5 "$f"; done
  exit 1
}
in_ns() { local i=$1; shift; ip netns exec "${NS[$i]}" "$@"; }

# Hosts: a mesh of veth pairs; link (i, j) is 169.254.(80+3i+j).0/30 with
# i the lower index on .1. Node i serves on 169.254.90.(i+1), on its lo,
# reached by the others over their direct link to it.
for i in 0 1 2; do ip netns add "${NS[$i]}"; in_ns "$i" ip link set lo up; done
addr() { local a=$1 b=$2 lo=$(( $1 < $2 ? $1 : $2 )) hi=$(( $1 < $2 ? $2 : $1 ));
         echo "169.254.$((80 + 3 * lo + hi)).$(( a < b ? 1 : 2 ))"; }
link() { echo "c$1$2-$TAG"; }  # Node $1's end of its link to node $2.
for pair in "0 1" "0 2" "1 2"; do
  set -- $pair
  ip link add "$(link "$1" "$2")" netns "${NS[$1]}" type veth peer name "$(link "$2" "$1")" \
    netns "${NS[$2]}"
  in_ns "$1" ip addr add "$(addr "$1" "$2")/30" dev "$(link "$1" "$2")"
  in_ns "$2" ip addr add "$(addr "$2" "$1")/30" dev "$(link "$2" "$1")"
done
HOST=(169.254.90.1 169.254.90.2 169.254.90.3)
for i in 0 1 2; do in_ns "$i" ip addr add "${HOST[$i]}/32" dev lo; done
links() {  # up|down NODE: node's links, and routes to every node over them
  local state=$1 n=$2
  for j in 0 1 2; do [ "$j" = "$n" ] || in_ns "$n" ip link set "$(link "$n" "$j")" "$state"; done
  [ "$state" = up ] || return 0
  for i in 0 1 2; do for j in 0 1 2; do
    [ "$i" = "$j" ] && continue
    in_ns "$i" ip link set "$(link "$i" "$j")" up
    in_ns "$i" ip route replace "${HOST[$j]}/32" via "$(addr "$j" "$i")"
  done; done
}
for i in 0 1 2; do links up "$i"; done
HUB=(); ETCD_PEER=(); ETCD_CLIENT=()
for i in 0 1 2; do
  HUB+=("tcp://${HOST[$i]}:7700")
  ETCD_PEER+=("http://${HOST[$i]}:2380")
  ETCD_CLIENT+=("http://${HOST[$i]}:2379")
done
INITIAL="e0=${ETCD_PEER[0]},e1=${ETCD_PEER[1]},e2=${ETCD_PEER[2]}"
ALL_ETCD=$(IFS=,; echo "${ETCD_CLIENT[*]}")
ALL_HUBS=$(IFS=,; echo "${HUB[*]}")

for i in 0 1 2; do
  ip netns exec "${NS[$i]}" etcd --name "e$i" --data-dir "$WORK/etcd-$i" \
    --listen-client-urls "${ETCD_CLIENT[$i]},http://127.0.0.1:2379" \
    --advertise-client-urls "${ETCD_CLIENT[$i]}" --listen-peer-urls "${ETCD_PEER[$i]}" \
    --initial-advertise-peer-urls "${ETCD_PEER[$i]}" --initial-cluster "$INITIAL" \
    --initial-cluster-state new >"$WORK/etcd-$i.log" 2>&1 &
  echo $! >"$WORK/etcd-$i.pid"
done

supervise() {  # i: runs node i until the stop file appears
  local i=$1
  while [ ! -e "$STOP" ]; do
    if [ -e "$WORK/hold-$i" ]; then sleep 0.2; continue; fi
    # Not through in_ns: $! must be newswired itself (ip netns exec execs it).
    # --insecure: the links are veth pairs between this test's own namespaces.
    ip netns exec "${NS[$i]}" "$NEWSWIRED" --etcd "$ALL_ETCD" --cluster chaos --node-name "node-$i" \
      --listen "${HUB[$i]}" --metrics-listen 127.0.0.1:7780 --data-dir "$WORK/node-$i" \
      --acks quorum --replicas 3 --insecure >>"$WORK/node-$i.out" 2>>"$WORK/node-$i.log" &
    echo $! >"$WORK/node-$i.pid"
    wait "$(cat "$WORK/node-$i.pid")" || true
    sleep 0.3
  done
}
for i in 0 1 2; do supervise "$i" & echo $! >"$WORK/supervisor-$i.pid"; done

role() { in_ns "$1" curl -s -m 1 127.0.0.1:7780/healthz 2>/dev/null |
         python3 -c 'import json,sys; print(json.load(sys.stdin).get("role","?"))' 2>/dev/null || echo down; }
primary() { for i in 0 1 2; do [ "$(role "$i")" = primary ] && { echo "$i"; return; }; done; echo none; }
wait_primary() {
  for _ in $(seq 300); do p=$(primary); [ "$p" != none ] && { echo "$p"; return; }; sleep 0.1; done
  echo none
}
[ "$(wait_primary)" != none ] || fail "no primary elected"

# Publishers: one per namespace, each its own stories, every publish with
# its own key, retried with it until acked.
python3 - "$EXAMPLE" "$WORK/articles" <<'PY'
import json, os, sys
example, out = json.load(open(sys.argv[1])), sys.argv[2]
os.makedirs(out)
for p in range(3):
    for n in range(2000):
        a = dict(example)
        a["id"] = f"chaos-{p}-{n % 5}"
        a["headline"] = f"Chaos publisher {p} revision {n}"
        a["body"] = list(example.get("body", [])) + [f"Revision {n} of publisher {p}."]
        json.dump(a, open(f"{out}/{p}-{n:05d}.json", "w"))
PY
publisher() {  # i
  local i=$1 n=0
  while [ ! -e "$WORK/publishers-stop" ] && [ $n -lt 2000 ]; do
    local file="$WORK/articles/$i-$(printf %05d $n).json"
    if out=$(in_ns "$i" "$NEWSWIRE" publish --json --hub "$ALL_HUBS" --timeout-ms 2500 \
               --publisher "chaos-$i" --idempotency-key "k-$i-$n" "$file" 2>>"$WORK/publisher-$i.log"); then
      echo "$(date +%s.%N) $out" >>"$WORK/acks-$i.txt"
      n=$((n + 1))
    fi
  done
}
for i in 0 1 2; do publisher "$i" & echo $! >"$WORK/publisher-$i.pid"; done

# The newest epoch acked so far, and the time of the first ack of a later
# epoch than $2 after time $1 (the new primary's first).
epoch_now() { cat "$WORK"/acks-*.txt 2>/dev/null | grep -o '"epoch":[0-9]*' | cut -d: -f2 |
              sort -n | tail -1; }
wait_new_epoch() {  # time epoch: waits up to 45 s of wall time (a loaded CI machine is slow)
  local until=$(( $(date +%s) + 45 ))
  while [ "$(date +%s)" -lt "$until" ]; do
    a=$(cat "$WORK"/acks-*.txt 2>/dev/null | grep "\"epoch\":" |
        awk -v e="$2" '{ match($0, /"epoch":[0-9]+/); ep = substr($0, RSTART + 8, RLENGTH - 8);
                         if (ep + 0 > e + 0) print $1 }' | sort -n | head -1)
    if [ -n "$a" ]; then python3 -c "print(f'{$a - $1:.2f}')"; return; fi
    sleep 0.05
  done
  echo never
}

TIMES=()
for cycle in $(seq "$CYCLES"); do
  sleep 2
  P=$(wait_primary)
  [ "$P" != none ] || fail "cycle $cycle: no primary"
  E=$(epoch_now)
  case $((cycle % 3)) in
    1) what="kill -9"; t=$(date +%s.%N); kill -9 "$(cat "$WORK/node-$P.pid")" ;;
    2) what="partition"; t=$(date +%s.%N); links down "$P" ;;
    0) what="restart"; t=$(date +%s.%N); touch "$WORK/hold-$P"; kill "$(cat "$WORK/node-$P.pid")" ;;
  esac
  took=$(wait_new_epoch "$t" "${E:-0}")
  echo "cycle $cycle: $what node-$P (epoch ${E:-0}): first ack of the next primary after ${took} s"
  [ "$took" != never ] || fail "cycle $cycle: no new primary acked after $what"
  TIMES+=("$took")
  case $((cycle % 3)) in
    2) sleep 3; links up "$P" ;;
    0) sleep 1; rm -f "$WORK/hold-$P" ;;
  esac
done
touch "$WORK/publishers-stop"
for i in 0 1 2; do wait "$(cat "$WORK/publisher-$i.pid")" 2>/dev/null || true; done
P=$(wait_primary)

# Every node holds the same log; every ack is in it.
for i in 0 1 2; do
  ok=""
  for _ in $(seq 200); do
    if in_ns "$P" "$NEWSWIRE" admin compare --hub "${HUB[$P]}" --hub "${HUB[$i]}" >"$WORK/compare.out" 2>&1 &&
       grep -q "newest \([0-9]*\) and \1$" "$WORK/compare.out"; then ok=1; break; fi
    sleep 0.2
  done
  [ -n "$ok" ] || fail "node-$i differs from the primary: $(cat "$WORK/compare.out")"
done
in_ns "$P" "$NEWSWIRE" admin compare --hub "${HUB[$P]}" --hub "${HUB[$(( (P + 1) % 3 ))]}"
ACKS=$(cat "$WORK"/acks-*.txt | wc -l)
cat "$WORK"/acks-*.txt | cut -d' ' -f2- >"$WORK/acks.jsonl"
in_ns "$P" "$NEWSWIRE" replay --json --hub "${HUB[$P]}" --from 2000-01-01T00:00:00Z >"$WORK/log.jsonl" ||
  fail "cannot replay the log"
python3 - "$WORK/acks.jsonl" "$WORK/log.jsonl" "${TIMES[@]}" <<'PY' || fail "acked revisions are wrong"
import json, statistics, sys
acks = [json.loads(l) for l in open(sys.argv[1])]
log = {}
for line in open(sys.argv[2]):
    r = json.loads(line)
    if "wire_seq" in r:
        if r["wire_seq"] in log:
            sys.exit(f"wire sequence {r['wire_seq']} twice in the log")
        log[r["wire_seq"]] = (r["article_id"], r["version"], r["content_hash"])
by_seq = {}
for a in acks:
    key = (a["article_id"], a["version"], a["content_hash"])
    seq = a["wire_seq"]
    if by_seq.setdefault(seq, key) != key:
        sys.exit(f"wire sequence {seq} acked for two revisions: {by_seq[seq]} and {key}")
    if log.get(seq) != key:
        sys.exit(f"acked {key} as wire #{seq} but the log holds {log.get(seq)}")
times = [float(t) for t in sys.argv[3:]]
print(f"{len(acks)} acks, all in the log of every node; {len(log)} revisions; "
      f"failover p50 {statistics.median(times):.2f} s, max {max(times):.2f} s")
PY
echo "1 passed, 0 failed"
