#!/usr/bin/env bash
# Starts newswire-gateway in front of a daemon and prints where to open it.
# Usage: scripts/gateway.sh [--hub tcp://HOST:PORT] [--listen HOST:PORT] [gateway flags...]
#   With no --hub, starts a newswired of its own on a temp store first (and
#   publishes the example story), so the page has something to show.
# Stop with Ctrl-C; everything it started stops with it.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
[ -x "$BUILD_DIR/gateway/newswire-gateway" ] || scripts/setup.sh >&2

hub="" listen="127.0.0.1:8080" args=()
while (($#)); do
  case "$1" in
    --hub) hub=$2; shift 2 ;;
    --listen) listen=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done

pids=()
work=$(mktemp -d)
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
if [ -z "$hub" ]; then
  "$BUILD_DIR/daemon/newswired" --listen tcp://127.0.0.1:0 --data-dir "$work/store" \
    --metrics-listen "" >"$work/daemon.out" 2>"$work/daemon.log" &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$work/daemon.out" ] && break; sleep 0.1; done
  hub=$(awk '/^ready/ {print $2}' "$work/daemon.out")
  [ -n "$hub" ] || { cat "$work/daemon.log" >&2; exit 1; }
  echo "gateway.sh: started newswired on $hub (store in $work)" >&2
  "$BUILD_DIR/cli/newswire" publish --hub "$hub" examples/tokyo-talks/v1.json \
    examples/tokyo-talks/v2.json >&2
fi
"$BUILD_DIR/gateway/newswire-gateway" --hub "$hub" --listen "$listen" "${args[@]}" &
pids+=($!)
echo "gateway.sh: open http://$listen/ (REST under /v1, the stream at /v1/stream); Ctrl-C stops" >&2
wait "${pids[-1]}"
