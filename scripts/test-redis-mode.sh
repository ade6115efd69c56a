#!/usr/bin/env bash
# Runs the end-to-end suite against a local Redis Cluster (3 masters) or a master behind Sentinel,
# started here if none answers:  scripts/test-redis-mode.sh cluster|sentinel [jest arguments]
# The Redis outage test stays on the standalone Redis: its TCP proxy cannot stand in for a cluster's nodes.
# The Slurm suite too: it tests the Slurm executor, which keeps nothing in Redis that differs by mode.
# And the demo's two simulated days (demo-deadlines): they test the planner's deadlines, not the Redis mode (~100 s).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?usage: $0 cluster|sentinel [jest arguments]}
shift
case "$mode" in
  cluster) url=$(bash scripts/redis-cluster.sh start) ;;
  sentinel) url=$(bash scripts/redis-sentinel.sh start); export REDIS_SENTINEL_MASTER=westwind ;;
  *) echo "unknown mode $mode (cluster or sentinel)" >&2; exit 2 ;;
esac
echo "test:$mode: Redis $mode at $url"
REDIS_MODE=$mode REDIS_URL="$url" NODE_OPTIONS=--experimental-vm-modules \
  npx jest test/e2e --testPathIgnorePatterns redis-outage slurm demo-deadlines "$@"
