#!/usr/bin/env bash
# A throwaway single-node Slurm cluster (slurmctld + slurmd + munged) on loopback, for Westwind's Slurm tests.
#   scripts/slurm-cluster.sh start    install slurm-wlm and munge if missing, start it (or reuse one already
#                                     answering), wait for the node to be idle, print SLURM_CONF=<path>
#   scripts/slurm-cluster.sh status   the node and the queue, as Slurm sees them
#   scripts/slurm-cluster.sh stop     cancel every job, stop the daemons, remove the state folder
# Everything lives in one folder (WESTWIND_SLURM_DIR, default $TMPDIR/westwind-slurm): its own munge key and
# socket, slurm.conf and gres.conf made from examples/slurm/, state, spool, logs. Ports: SLURMCTLD_PORT
# (16817) and SLURMD_PORT (16818). GPUs as GRES: SLURM_TEST_GPUS (16) placeholder devices, SLURM_TEST_CPUS (128).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${WESTWIND_SLURM_DIR:-${TMPDIR:-/tmp}/westwind-slurm}"
ctld_port="${SLURMCTLD_PORT:-16817}"
slurmd_port="${SLURMD_PORT:-16818}"
gpus="${SLURM_TEST_GPUS:-16}"
cpus="${SLURM_TEST_CPUS:-128}"
export SLURM_CONF="$dir/slurm.conf"

node_idle() { [ -f "$SLURM_CONF" ] && timeout 5 sinfo -h -N -o '%T' 2>/dev/null | grep -qx 'idle\|mixed\|allocated'; }

# Stops a daemon by the pid its pid file names (only if that process is still the daemon: a stale file's pid
# may belong to another process by now), and waits for it to go.
stop_pid_file() {
  local file="$1" name="$2" pid
  [ -f "$file" ] || return 0
  pid="$(cat "$file")"
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

stop_all() {
  if [ -f "$SLURM_CONF" ] && timeout 5 squeue -h -o %i >/dev/null 2>&1; then
    # Jobs first, so no slurmstepd outlives its slurmd.
    timeout 10 scancel --full --quiet --user=root 2>/dev/null || true
    for _ in $(seq 1 50); do [ -z "$(timeout 5 squeue -h -t running,completing,suspended -o %i 2>/dev/null)" ] && break; sleep 0.2; done
  fi
  stop_pid_file "$dir/slurmd.pid" slurmd
  stop_pid_file "$dir/slurmctld.pid" slurmctld
  stop_pid_file "$dir/munge/munged.pid" munged
}

install_if_missing() {
  if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    echo "slurm-cluster: installing slurm-wlm and munge" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq slurm-wlm munge >/dev/null
  fi
}

# examples/slurm/*.conf with this cluster's folder, host, ports and sizes filled in.
render() {
  sed -e "s#@STATE@#$dir#g" -e "s#@HOST@#$(hostname -s)#g" -e "s#@CTLD_PORT@#$ctld_port#g" \
    -e "s#@SLURMD_PORT@#$slurmd_port#g" -e "s#@CPUS@#$cpus#g" -e "s#@GPUS@#$gpus#g" \
    -e "s#@LAST_GPU@#$((gpus - 1))#g" "$1"
}

case "${1:-}" in
  start)
    if ! node_idle; then
      install_if_missing
      stop_all
      rm -rf "$dir"
      mkdir -p "$dir/ctld" "$dir/spool" "$dir/gpus" "$dir/munge"
      # munged refuses a socket folder that others may write to.
      chmod 755 "$dir" "$dir/munge"
      for i in $(seq 0 $((gpus - 1))); do : >"$dir/gpus/gpu$i"; done
      render "$root/examples/slurm/slurm.conf" >"$dir/slurm.conf"
      render "$root/examples/slurm/gres.conf" >"$dir/gres.conf"
      if [ ! -f "$dir/munge/munge.key" ]; then
        head -c 1024 /dev/urandom >"$dir/munge/munge.key"
        chmod 400 "$dir/munge/munge.key"
      fi
      munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
        --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed"
      for _ in $(seq 1 50); do [ -S "$dir/munge/munge.socket" ] && break; sleep 0.1; done
      slurmctld -i
      for _ in $(seq 1 100); do timeout 5 scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.1; done
      slurmd
      for _ in $(seq 1 300); do node_idle && break; sleep 0.1; done
      if ! node_idle; then
        echo "slurm-cluster: the node did not become idle; see $dir/*.log" >&2
        timeout 5 sinfo -N -l >&2 || true
        exit 1
      fi
    fi
    echo "SLURM_CONF=$SLURM_CONF"
    ;;
  status)
    if ! [ -f "$SLURM_CONF" ]; then echo "slurm-cluster: not started ($SLURM_CONF missing)"; exit 1; fi
    echo "SLURM_CONF=$SLURM_CONF"
    timeout 5 sinfo -N -l
    timeout 5 squeue -t all -o '%.10i %.30j %.12T %.20r %.40k'
    ;;
  stop)
    stop_all
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|status|stop" >&2
    exit 2
    ;;
esac
