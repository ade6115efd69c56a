import { readFileSync } from 'node:fs';

/** One training job of the Microsoft ITP trace (ElasticFlow). */
export interface TraceJob {
  id: string;
  /** Seconds after the start of collection. */
  submitSeconds: number;
  durationSeconds: number;
  gpus: number;
}

export function readItpTrace(file: string): TraceJob[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [id, submit, duration, gpus] = line.split(',');
      return { id, submitSeconds: Number(submit), durationSeconds: Number(duration), gpus: Number(gpus) };
    });
}
