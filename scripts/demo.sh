#!/usr/bin/env bash
# The Newswire demo: builds, starts newswired on a temp store, follows the
# wire with `newswire tail`, publishes the example story's two revisions and
# shows version 2 arriving as a verified diff, then prints the history.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

bin=build
work=$(mktemp -d)
cleanup() {
  [ -n "${tail_pid:-}" ] && kill "$tail_pid" 2>/dev/null || true
  [ -n "${daemon_pid:-}" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Wait (at most 10 s) until FILE holds TEXT.
wait_for() {
  for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "demo: timed out waiting for '$2' in $1" >&2; cat "$1" >&2; exit 1
}

echo "== starting newswired (store in $work/store)"
"$bin/daemon/newswired" --listen tcp://127.0.0.1:0 --metrics-listen 127.0.0.1:0 --data-dir "$work/store" \
  >"$work/daemon.out" 2>"$work/daemon.log" &
daemon_pid=$!
wait_for "$work/daemon.out" '^ready '
hub=$(awk '/^ready /{print $2}' "$work/daemon.out")
echo "== hub $hub"

echo "== newswire tail --hub $hub --count 2"
"$bin/cli/newswire" tail --hub "$hub" --count 2 2>"$work/tail.err" &
tail_pid=$!
wait_for "$work/tail.err" following

echo "== newswire publish examples/tokyo-talks/v1.json examples/tokyo-talks/v2.json"
"$bin/cli/newswire" publish --hub "$hub" --publisher tokyo-desk \
  examples/tokyo-talks/v1.json examples/tokyo-talks/v2.json
wait "$tail_pid"
tail_pid=""

echo
echo "== newswire history nw-20261125-kaito-minato"
"$bin/cli/newswire" history --hub "$hub" nw-20261125-kaito-minato
