#!/usr/bin/env bash
# Records `squeue --json --states=all` from the throwaway cluster (scripts/slurm-cluster.sh start) with one
# Westwind job in each state the executor reads, plus one job that is not Westwind's, into
# squeue-states.json beside this script. Takes about two minutes (the TIMEOUT job needs its time limit).
#   SLURM_CONF=/tmp/westwind-slurm/slurm.conf bash test/support/slurm-fixtures/record.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
cd "$work"
# sbatch a Westwind-named job (a fixed job id, so the fixture's names are stable): id, label, options.
submit() {
  local id="$1" label="$2"
  shift 2
  sbatch --parsable --requeue --job-name="westwind-$id" \
    --comment="westwind job $id at west-hub: $label; planned start 2026-03-02T07:00:00.000Z" \
    --partition=gpu --gres=gpu:1 "$@"
}
held=$(submit 00000000-0000-7000-8000-000000000001 held --hold --wrap='sleep 600')
running=$(submit 00000000-0000-7000-8000-000000000002 running --wrap='sleep 600')
requeued=$(submit 00000000-0000-7000-8000-000000000003 requeued --wrap='sleep 600')
suspended=$(submit 00000000-0000-7000-8000-000000000004 suspended --wrap='sleep 600')
completed=$(submit 00000000-0000-7000-8000-000000000005 completed --wrap='true')
failed=$(submit 00000000-0000-7000-8000-000000000006 failed --wrap='exit 3')
killed=$(submit 00000000-0000-7000-8000-000000000007 killed --wrap='kill -9 $$')
cancelled=$(submit 00000000-0000-7000-8000-000000000008 cancelled --wrap='sleep 600')
timeout=$(submit 00000000-0000-7000-8000-000000000009 timeout --time=1 --wrap='sleep 600')
other=$(sbatch --parsable --job-name=someone-elses --partition=gpu --wrap='sleep 600')
ids=("$held" "$running" "$requeued" "$suspended" "$completed" "$failed" "$killed" "$cancelled" "$timeout" "$other")
until [ "$(squeue -h -j "$running,$requeued,$suspended,$cancelled" -t running -o %i | wc -l)" -eq 4 ]; do sleep 1; done
scontrol requeuehold "$requeued"
scontrol suspend "$suspended"
scancel "$cancelled"
echo "waiting for the TIMEOUT job (time limit one minute)" >&2
until [ "$(squeue -h -j "$timeout" -t timeout -o %i | wc -l)" -eq 1 ]; do sleep 5; done
until [ -z "$(squeue -h -j "$requeued,$cancelled,$completed,$failed,$killed" -t completing -o %i)" ]; do sleep 1; done
squeue --json --states=all >"$work/all.json"
# Only this recording's jobs (the cluster may hold others'), as squeue wrote them.
node -e '
  const [file, keep] = process.argv.slice(1);
  const doc = JSON.parse(require("fs").readFileSync(file, "utf8"));
  const ids = new Set(keep.split(",").map(Number));
  doc.jobs = doc.jobs.filter((j) => ids.has(j.job_id));
  process.stdout.write(JSON.stringify(doc, null, 2) + "\n");
' "$work/all.json" "$(IFS=,; echo "${ids[*]}")" >"$here/squeue-states.json"
scancel "${ids[@]}" 2>/dev/null || true
echo "held=$held running=$running requeued=$requeued suspended=$suspended completed=$completed failed=$failed" \
  "killed=$killed cancelled=$cancelled timeout=$timeout other=$other" >&2
