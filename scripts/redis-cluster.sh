#!/usr/bin/env bash
# A local 3-master Redis Cluster on loopback ports, for running Westwind's tests against Cluster.
#   scripts/redis-cluster.sh start   start it (or reuse one already answering) and print REDIS_URL
#   scripts/redis-cluster.sh stop    shut it down and remove its files
# Ports: REDIS_CLUSTER_PORTS (default "7000 7001 7002"). Nothing is saved to disk.
set -euo pipefail
ports=(${REDIS_CLUSTER_PORTS:-7000 7001 7002})
dir="${TMPDIR:-/tmp}/westwind-redis-cluster"

cluster_ok() { redis-cli -p "${ports[0]}" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; }

case "${1:-}" in
  start)
    if ! cluster_ok; then
      mkdir -p "$dir"
      for port in "${ports[@]}"; do
        redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
        rm -f "$dir/nodes-$port.conf"
        redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file "$dir/nodes-$port.conf" \
          --cluster-node-timeout 5000 --save "" --appendonly no --dir "$dir" --daemonize yes --logfile "$dir/redis-$port.log"
      done
      for port in "${ports[@]}"; do
        for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
      done
      redis-cli --cluster create $(printf '127.0.0.1:%s ' "${ports[@]}") --cluster-replicas 0 --cluster-yes >/dev/null
      for _ in $(seq 1 100); do cluster_ok && break; sleep 0.1; done
      cluster_ok || { echo "redis-cluster: the cluster did not come up; see $dir/*.log" >&2; exit 1; }
    fi
    printf 'redis://127.0.0.1:%s,' "${ports[@]}" | sed 's/,$/\n/'
    ;;
  stop)
    for port in "${ports[@]}"; do redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; done
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
