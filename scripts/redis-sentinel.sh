#!/usr/bin/env bash
# A local Redis master watched by one Sentinel, for running Westwind's tests through Sentinel.
#   scripts/redis-sentinel.sh start   start them (or reuse ones already answering) and print REDIS_URL
#   scripts/redis-sentinel.sh stop    shut them down and remove their files
# Ports: REDIS_SENTINEL_MASTER_PORT (default 6391), REDIS_SENTINEL_PORT (default 26391); master name "westwind".
set -euo pipefail
master_port=${REDIS_SENTINEL_MASTER_PORT:-6391}
sentinel_port=${REDIS_SENTINEL_PORT:-26391}
dir="${TMPDIR:-/tmp}/westwind-redis-sentinel"

sentinel_ok() { redis-cli -p "$sentinel_port" sentinel get-master-addr-by-name westwind 2>/dev/null | grep -q "$master_port"; }

case "${1:-}" in
  start)
    if ! sentinel_ok; then
      mkdir -p "$dir"
      redis-cli -p "$master_port" shutdown nosave >/dev/null 2>&1 || true
      redis-cli -p "$sentinel_port" shutdown nosave >/dev/null 2>&1 || true
      redis-server --port "$master_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" --daemonize yes --logfile "$dir/master.log"
      # Sentinel rewrites its configuration file, so it gets one of its own.
      printf 'port %s\nbind 127.0.0.1\ndir %s\nsentinel monitor westwind 127.0.0.1 %s 1\n' "$sentinel_port" "$dir" "$master_port" > "$dir/sentinel.conf"
      redis-server "$dir/sentinel.conf" --sentinel --daemonize yes --logfile "$dir/sentinel.log"
      for _ in $(seq 1 100); do sentinel_ok && break; sleep 0.1; done
      sentinel_ok || { echo "redis-sentinel: sentinel did not come up; see $dir/*.log" >&2; exit 1; }
    fi
    echo "redis://127.0.0.1:$sentinel_port"
    ;;
  stop)
    redis-cli -p "$sentinel_port" shutdown nosave >/dev/null 2>&1 || true
    redis-cli -p "$master_port" shutdown nosave >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
