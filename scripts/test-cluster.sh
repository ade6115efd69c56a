#!/usr/bin/env bash
# Runs the end-to-end suite against a local 3-master Redis Cluster (started here if none answers).
# The Redis outage test stays on the standalone Redis: its TCP proxy cannot stand in for a cluster's nodes.
# Extra arguments go to jest (e.g. --json --outputFile=...).
set -euo pipefail
cd "$(dirname "$0")/.."
url=$(bash scripts/redis-cluster.sh start)
echo "test:cluster: Redis Cluster at $url"
REDIS_MODE=cluster REDIS_URL="$url" NODE_OPTIONS=--experimental-vm-modules \
  npx jest test/e2e --testPathIgnorePatterns redis-outage "$@"
