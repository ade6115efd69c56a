#!/usr/bin/env bash
# A local Redis master with one replica, watched by one Sentinel, for running Westwind's tests
# through Sentinel (and for playing a failover: the replica is what Sentinel promotes).
#   scripts/redis-sentinel.sh start   start them (or reuse ones already answering) and print REDIS_URL
#   scripts/redis-sentinel.sh stop    shut them down and remove their files
# Ports: REDIS_SENTINEL_MASTER_PORT (default 6391), REDIS_SENTINEL_REPLICA_PORT (default 6392),
# REDIS_SENTINEL_PORT (default 26391); master name "westwind". Nothing is saved to disk. Sentinel
# takes a master for dead after REDIS_SENTINEL_DOWN_AFTER_MS (default 5000; Redis' own is 30 s).
set -euo pipefail
master_port=${REDIS_SENTINEL_MASTER_PORT:-6391}
replica_port=${REDIS_SENTINEL_REPLICA_PORT:-6392}
sentinel_port=${REDIS_SENTINEL_PORT:-26391}
dir="${TMPDIR:-/tmp}/westwind-redis-sentinel-$sentinel_port"

sentinel_ok() {
  redis-cli -p "$sentinel_port" sentinel get-master-addr-by-name westwind 2>/dev/null | grep -q "^$master_port$" &&
    redis-cli -p "$sentinel_port" sentinel replicas westwind 2>/dev/null | grep -q "^$replica_port$" &&
    redis-cli -p "$replica_port" info replication 2>/dev/null | grep -q '^master_link_status:up'
}
shutdown_all() { for port in "$sentinel_port" "$master_port" "$replica_port"; do redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; done; }

case "${1:-}" in
  start)
    if ! sentinel_ok; then
      shutdown_all
      mkdir -p "$dir"
      redis-server --port "$master_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" --daemonize yes --logfile "$dir/master.log"
      redis-server --port "$replica_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" --daemonize yes --logfile "$dir/replica.log" \
        --replicaof 127.0.0.1 "$master_port"
      # Sentinel rewrites its configuration file, so it gets one of its own.
      printf 'port %s\nbind 127.0.0.1\ndir %s\nsentinel monitor westwind 127.0.0.1 %s 1\nsentinel down-after-milliseconds westwind %s\n' \
        "$sentinel_port" "$dir" "$master_port" "${REDIS_SENTINEL_DOWN_AFTER_MS:-5000}" > "$dir/sentinel.conf"
      redis-server "$dir/sentinel.conf" --sentinel --daemonize yes --logfile "$dir/sentinel.log"
      for _ in $(seq 1 200); do sentinel_ok && break; sleep 0.1; done
      sentinel_ok || { echo "redis-sentinel: sentinel or replica did not come up; see $dir/*.log" >&2; exit 1; }
    fi
    echo "redis://127.0.0.1:$sentinel_port"
    ;;
  stop)
    shutdown_all
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
