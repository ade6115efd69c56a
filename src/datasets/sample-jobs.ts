import type { DateTime } from 'luxon';
import type { JobRequest } from '../domain/jobs/job-admission.js';
import type { TraceJob } from './itp-trace.js';

const MODELS = ['llama-3-8b', 'qwen2-7b', 'mistral-7b', 'bert-large', 'vit-h', 'whisper-l', 'sdxl', 'gemma-2b'];
const TASKS = ['finetune', 'pretrain-shard', 'eval-sweep', 'distill', 'rlhf'];

/**
 * A sample training job like an ML engineer would submit, its GPUs (times `gpuScale`, at most 512)
 * and runtime (clipped to 1–12 h) drawn from a real trace job, four in five deferrable, with a
 * deadline 8–36 h of slack after the runtime — room for the planner to wait for the night wind.
 */
export function sampleJob(
  trace: readonly TraceJob[],
  random: () => number,
  now: DateTime,
  dataRegions: readonly string[],
  gpuScale = 1,
): JobRequest {
  const t = trace[Math.floor(random() * trace.length)];
  const runtimeHours = Math.round(Math.min(12, Math.max(1, t.durationSeconds / 3600)) * 4) / 4;
  const slackHours = 8 + Math.round(random() * 28);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const region = dataRegions.length > 0 && random() < 0.7 ? pick(dataRegions) : undefined;
  return {
    name: `${pick(MODELS)}-${pick(TASKS)}`,
    gpus: Math.max(1, Math.min(512, t.gpus * gpuScale)),
    runtimeHours,
    deadline: now
      .plus({ hours: runtimeHours + slackHours })
      .toUTC()
      .toISO()!,
    deferrable: random() < 0.8,
    interruptible: random() < 0.9,
    ...(region ? { dataRegion: region, datasetGb: 20 + Math.round(random() * 780) } : {}),
  };
}
