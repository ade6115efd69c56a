#!/usr/bin/env bash
# A training-like batch job for Westwind's Slurm executor (no ML framework): TRAIN_STEPS steps of
# TRAIN_STEP_SECONDS each. It checkpoints its step every TRAIN_CHECKPOINT_EVERY steps and when Slurm sends
# SIGTERM (Westwind's pause is `scontrol requeuehold`: SIGTERM, then SIGKILL after KillWait), and resumes
# from the checkpoint when it runs again. Exits TRAIN_EXIT_CODE (0) at the end, so tests can make it fail.
#
#   sbatch --hold --requeue --export=ALL,WESTWIND_JOB_ID=demo examples/slurm/train.sh
set -u
steps="${TRAIN_STEPS:-20}"
step_seconds="${TRAIN_STEP_SECONDS:-1}"
every="${TRAIN_CHECKPOINT_EVERY:-5}"
checkpoint="${TRAIN_CHECKPOINT:-./checkpoint-${WESTWIND_JOB_ID:-${SLURM_JOB_ID:-local}}}"
step=0

save() { echo "$step" >"$checkpoint.tmp" && mv "$checkpoint.tmp" "$checkpoint"; }

# Bash runs a trap only between commands, so each step sleeps in the background and waits: SIGTERM
# interrupts the wait at once and the checkpoint is written within KillWait.
on_term() {
  save
  echo "SIGTERM at step $step: checkpoint written (run ${SLURM_RESTART_COUNT:-0})"
  exit 143
}
trap on_term TERM

if [[ -s $checkpoint ]]; then
  step="$(<"$checkpoint")"
  echo "resumed from checkpoint at step $step (run ${SLURM_RESTART_COUNT:-0})"
else
  echo "starting at step 0 (job ${WESTWIND_JOB_ID:-?}, GPUs ${CUDA_VISIBLE_DEVICES:-none})"
fi
while ((step < steps)); do
  sleep "$step_seconds" &
  wait $!
  step=$((step + 1))
  ((step % every == 0)) && save
done
save
echo "finished $steps steps"
exit "${TRAIN_EXIT_CODE:-0}"
