import type { DateTime } from 'luxon';
import type { JobPlan, Plan, Segment } from '../../src/domain/planner/plan-types.js';
import { DispatchService } from '../../src/execution/dispatch.service.js';
import { JobsRepository } from '../../src/jobs/jobs.repository.js';
import type { ActionCounts } from '../../src/planning/plan-dispatcher.js';
import { PlanRepository } from '../../src/plans/plan.repository.js';
import type { TestApp } from './test-app.js';

/**
 * Stores a plan for one job and dispatches it as a re-plan would: the tests of power caps write the
 * plan themselves, to test dispatch apart from what the planner chooses. Its version, and the actions it sent.
 */
export async function planAndDispatch(
  t: TestApp,
  jobId: string,
  start: DateTime,
  segments: Segment[],
): Promise<{ version: number; sent: ActionCounts }> {
  return planAndDispatchAll(t, start, { [jobId]: segments });
}

/** The same for several jobs: each job's segments (none: it waits). */
export async function planAndDispatchAll(
  t: TestApp,
  start: DateTime,
  segmentsByJob: Record<string, Segment[]>,
): Promise<{ version: number; sent: ActionCounts }> {
  const parts: JobPlan[] = Object.entries(segmentsByJob).map(([jobId, segments]) => ({
    jobId,
    site: segments[0]?.site,
    segments,
    finish: segments.at(-1)?.end,
    meetsDeadline: true,
    pauses: 0,
    peakHours: 0,
    peakMwh: 0,
    reason: 'test plan',
  }));
  const zero = { energyMwh: 0, greenMwh: 0, gridMwh: 0, peakGridMwh: 0, carbonKg: 0, cost: 0 };
  const plan: Plan = {
    start: start.toISO()!,
    hours: 48,
    strategy: 'westwind',
    jobs: parts,
    load: {},
    totals: { ...zero, pauses: 0, deadlineMisses: 0, deferrablePeakHours: 0, deferrablePeakMwh: 0, objective: 0 },
  };
  const version = await t.app
    .get(PlanRepository)
    .save(plan, start.toISO()!, 'test', { loadByState: {}, late: { count: 0, jobs: [] } });
  const jobs = t.app.get(JobsRepository);
  const stored = await Promise.all(parts.map(async (p) => (await jobs.get(p.jobId))!));
  return { version, sent: await t.app.get(DispatchService).dispatchPlan(version, parts, stored) };
}

/** A segment of `hours` at `site` from `start`, capped to `powerFraction` when given. */
export function segment(site: string, start: DateTime, hours: number, powerFraction?: number): Segment {
  return {
    site,
    startHour: 0,
    endHour: hours,
    start: start.toISO()!,
    end: start.plus({ hours }).toISO()!,
    ...(powerFraction !== undefined && { powerFraction }),
  };
}
