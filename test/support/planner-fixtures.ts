import { DateTime } from 'luxon';
import { readItpTrace } from '../../src/datasets/itp-trace.js';
import { readOpsdZones } from '../../src/datasets/opsd.js';
import { exactSlice, SUITE, SUITE_FROM, suiteInstance } from '../../src/datasets/planning-instance.js';
import type { PlanInput, PlanJob, PlanSite } from '../../src/domain/planner/plan-types.js';

/** Hour 0 of the planner's unit tests: a Monday, 00:00 UTC. */
export const PLAN_START = DateTime.fromISO('2026-03-02T00:00:00Z', { zone: 'utc' });
export const at = (hour: number): DateTime => PLAN_START.plus({ hours: hour });

/** A site of 100 GPUs at 1 kW each (PUE 1), its green supply (MW) and peak flags given per hour (none by default). */
export function planSite(
  id: string,
  greenMw: number[],
  peak: number[] = new Array<number>(greenMw.length).fill(0),
  extra: Partial<PlanSite> = {},
): PlanSite {
  return { id, timeZone: 'UTC', gpus: 100, kwPerGpu: 1, pue: 1, signals: { greenMw, peak }, ...extra };
}

/** A queued deferrable, interruptible job of 10 GPUs and 3 h, free from hour 0, due at hour 24. */
export function planJob(id: string, fields: Partial<PlanJob> = {}): PlanJob {
  return {
    id,
    gpus: 10,
    remainingHours: 3,
    earliestStart: PLAN_START,
    deadline: at(24),
    deferrable: true,
    interruptible: true,
    checkpointMinutes: 0,
    priority: 5,
    state: 'queued',
    ...fields,
  };
}

/** 120 jobs of the benchmark's reference week submitted from `offsetHours`, a 48 h slice (sites scaled to its load). */
export function referenceSlice(offsetHours: number): PlanInput {
  return exactSlice(suiteWeek('reference'), offsetHours, 120, 48);
}

/** A static instance of the planner benchmark's suite by name (a week, ~1,500 jobs; bench/planner-suite.ts). */
export function suiteWeek(name: string): PlanInput {
  return suiteInstance(
    SUITE.find((s) => s.name === name)!,
    readOpsdZones,
    DateTime.fromISO(SUITE_FROM, { zone: 'utc' }),
    readItpTrace('data/itp-traces/cluster04.csv'),
  ).input;
}
