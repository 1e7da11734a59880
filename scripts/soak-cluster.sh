#!/usr/bin/env bash
# The failover chaos test for longer: CYCLES (default 100) of kill -9,
# partition and restart of the primary under publishes, in network
# namespaces (as root). Usage: scripts/soak-cluster.sh [CYCLES] [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
CYCLES=${1:-100}
BUILD=${2:-build}
exec tests/cluster/chaos_netns.sh "$BUILD/daemon/newswired" "$BUILD/cli/newswire" "$CYCLES"
