import fc from 'fast-check';
import { DateTime } from 'luxon';
import { readItpTrace } from '../../src/datasets/itp-trace.js';
import { readOpsdZones } from '../../src/datasets/opsd.js';
import { exactSlice, SUITE, SUITE_FROM, suiteInstance } from '../../src/datasets/planning-instance.js';
import type { PlanInput, PlanJob, PlanSite, SiteSignals } from '../../src/domain/planner/plan-types.js';

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

/** How far the random jobs of a property test may reach: work (h), first hour, slack (h), checkpoint (minutes). */
export interface RandomJobRanges {
  maxWork: number;
  maxFrom: number;
  maxSlack: number;
  maxCheckpointMinutes: number;
}

/**
 * The fields of a random job for `fc.record` (a test may add its own beside them): 1–8 GPUs, at least 0.2 h of work,
 * free from a whole hour, some whole hours of slack, deferrable and interruptible or not.
 */
export function randomJobFields(r: RandomJobRanges) {
  return {
    gpus: fc.integer({ min: 1, max: 8 }),
    work: fc.double({ min: 0.2, max: r.maxWork, noNaN: true }),
    from: fc.integer({ min: 0, max: r.maxFrom }),
    slack: fc.integer({ min: 0, max: r.maxSlack }),
    deferrable: fc.boolean(),
    interruptible: fc.boolean(),
    checkpointMinutes: fc.integer({ min: 0, max: r.maxCheckpointMinutes }),
  };
}

export type RandomJob = {
  [K in keyof ReturnType<typeof randomJobFields>]: ReturnType<typeof randomJobFields>[K] extends fc.Arbitrary<infer T>
    ? T
    : never;
};

/** Job `j<k>` of a random one: free from hour `from`, due `slack` hours after the whole hours of its work. */
export function randomPlanJob(j: RandomJob, k: number, fields: Partial<PlanJob> = {}): PlanJob {
  return planJob(`j${k}`, {
    gpus: j.gpus,
    remainingHours: j.work,
    earliestStart: at(j.from),
    deadline: at(j.from + Math.ceil(j.work) + j.slack),
    deferrable: j.deferrable,
    interruptible: j.interruptible,
    checkpointMinutes: j.checkpointMinutes,
    ...fields,
  });
}

/** Site `s<k>` of a random instance: 1 kW per GPU, PUE 1.2, UTC. */
export function randomPlanSite(
  k: number,
  gpus: number,
  signals: SiteSignals,
  fields: Partial<PlanSite> = {},
): PlanSite {
  return { id: `s${k}`, timeZone: 'UTC', gpus, kwPerGpu: 1, pue: 1.2, signals, ...fields };
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
