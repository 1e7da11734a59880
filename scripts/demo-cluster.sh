#!/usr/bin/env bash
# A failover on loopback: etcd, three newswired nodes of one cluster, a desk
# following one of them and a publisher that knows all three. The primary
# is killed (kill -9); etcd's lease on its leader key runs out, the most
# complete follower is elected, the publisher's next publish goes there,
# and the desk carries on without a gap. The old primary comes back as a
# follower of the new one. (README "Failover".)
#
# Usage: scripts/demo-cluster.sh [BUILD_DIR]     (needs etcd: apt-get install etcd-server)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
NEWSWIRED=$BUILD/daemon/newswired
NEWSWIRE=$BUILD/cli/newswire
command -v etcd >/dev/null || { echo "demo-cluster: etcd is not installed (apt-get install etcd-server)"; exit 1; }
[ -x "$NEWSWIRED" ] || { echo "demo-cluster: build first (scripts/setup.sh)"; exit 1; }

WORK=$(mktemp -d)
PIDS=()
STOPPING=""
cleanup() {
  STOPPING=1
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for f in "$WORK"/node-*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

ETCD=http://127.0.0.1:23791
etcd --name demo --data-dir "$WORK/etcd" --listen-client-urls "$ETCD" \
  --advertise-client-urls "$ETCD" --listen-peer-urls http://127.0.0.1:23801 \
  --initial-advertise-peer-urls http://127.0.0.1:23801 \
  --initial-cluster demo=http://127.0.0.1:23801 >"$WORK/etcd.log" 2>&1 &
PIDS+=($!)

HUBS=(tcp://127.0.0.1:17700 tcp://127.0.0.1:17710 tcp://127.0.0.1:17720)
# Each node under a small supervisor, as systemd's Restart= would run it.
node() {  # index
  local i=$1
  while [ -z "$STOPPING" ]; do
    "$NEWSWIRED" --etcd "$ETCD" --cluster demo --node-name "node-$i" --listen "${HUBS[$i]}" \
      --metrics-listen "127.0.0.1:1778$i" --data-dir "$WORK/node-$i" \
      >>"$WORK/node-$i.out" 2>>"$WORK/node-$i.log" &
    echo $! >"$WORK/node-$i.pid"
    wait "$(cat "$WORK/node-$i.pid")" || true
    sleep 0.5
  done
}
for i in 0 1 2; do node "$i" & PIDS+=($!); done

role() { curl -s "http://127.0.0.1:1778$1/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("role","?"))' 2>/dev/null || echo down; }
primary() {
  for i in 0 1 2; do [ "$(role "$i")" = primary ] && { echo "$i"; return; }; done
  echo none
}
wait_primary() {
  for _ in $(seq 200); do p=$(primary); [ "$p" != none ] && { echo "$p"; return; }; sleep 0.1; done
  echo none
}

say "etcd on $ETCD; three nodes of cluster 'demo'"
P=$(wait_primary)
echo "primary: node-$P (${HUBS[$P]}); the others follow it"
for i in 0 1 2; do echo "  node-$i: $(role "$i")"; done

DESK=$(( (P + 1) % 3 ))
say "a desk follows node-$DESK (a follower)"
"$NEWSWIRE" tail --hub "${HUBS[$DESK]}" --count 3 >"$WORK/desk.txt" 2>&1 &
DESK_PID=$!
sleep 1

ALL=$(IFS=,; echo "${HUBS[*]}")
say "publish version 1 through any node (the publisher knows all three)"
"$NEWSWIRE" publish --hub "$ALL" --timeout-ms 3000 examples/tokyo-talks/v1.json

say "kill -9 the primary, node-$P"
kill -9 "$(cat "$WORK/node-$P.pid")" 2>/dev/null
KILLED=$(date +%s.%N)
NEW=none
for _ in $(seq 300); do
  p=$(primary); if [ "$p" != none ] && [ "$p" != "$P" ]; then NEW=$p; break; fi; sleep 0.05
done
echo "new primary: node-$NEW after $(python3 -c "print(f'{$(date +%s.%N) - $KILLED:.1f}')") s (the lease runs out, then the most complete follower is elected)"

say "publish version 2 and a correction: the publisher finds the new primary"
"$NEWSWIRE" publish --hub "$ALL" --timeout-ms 3000 examples/tokyo-talks/v2.json
sed 's/3\.2%/3.4%/g' examples/tokyo-talks/v2.json > "$WORK/v3.json"
"$NEWSWIRE" publish --hub "$ALL" --timeout-ms 3000 "$WORK/v3.json"

wait "$DESK_PID" || true
say "the desk on node-$DESK saw every version once, across the failover"
cat "$WORK/desk.txt"

say "the old primary came back as a follower"
for _ in $(seq 100); do [ "$(role "$P")" = follower ] && break; sleep 0.1; done
for i in 0 1 2; do echo "  node-$i: $(role "$i")"; done
sleep 1
"$NEWSWIRE" admin compare --hub "${HUBS[$NEW]}" --hub "${HUBS[$P]}"
