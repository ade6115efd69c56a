import { DateTime } from 'luxon';
import type { Job } from '../domain/jobs/job.js';
import { planInputFrom, transferHours } from './plan-input.js';

describe('plan input from stored jobs', () => {
  it('turns a dataset away from its site into hours of transfer: GB × 8 / Gbit/s', () => {
    expect(transferHours(4500, { 'nx-zhongwei': 10, 'gs-qingyang': 1 })).toEqual({ 'nx-zhongwei': 1, 'gs-qingyang': 10 });
  });

  it('gives the planner each job’s window, state and transfer hours', () => {
    const at = '2026-03-01T00:00:00.000Z';
    const job: Job = {
      id: 'j', tenant: 't', name: 'n', gpus: 8, runtimeHours: 3, deadline: '2026-03-02T00:00:00.000Z', earliestStart: at,
      deferrable: true, interruptible: false, checkpointMinutes: 10, priority: 5, dataRegion: 'shanghai', datasetGb: 900,
      state: 'scheduled', submittedAt: at, updatedAt: at, history: [],
    };
    const start = DateTime.fromISO(at, { zone: 'utc' });
    const input = planInputFrom(start, 24, [], new Map(), [job], () => 'Asia/Shanghai', [{ id: 'shanghai', linksGbps: { far: 2 } }]);
    expect(input.jobs[0]).toMatchObject({ id: 'j', remainingHours: 3, state: 'queued', interruptible: false, transferHours: { far: 1 } });
    expect(input.jobs[0].deadline.toISO()).toBe('2026-03-02T00:00:00.000Z');
  });
});
