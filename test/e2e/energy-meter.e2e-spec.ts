import { DateTime } from 'luxon';
import request from 'supertest';
import { finished, paused, started } from '../../src/domain/execution/job-run.js';
import { transition } from '../../src/domain/jobs/job-state-machine.js';
import { virtualClock } from '../../src/domain/time/clock.js';
import { JobsRepository } from '../../src/jobs/jobs.repository.js';
import { HousekeepingService } from '../../src/planning/housekeeping.service.js';
import { postWestForecast, submit } from '../support/execution.js';
import { OPERATOR, useTestApp } from '../support/test-app.js';

const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
const day = (time: string) => utc(`2026-03-02T${time}:00Z`);

// Zone west: load 500 MW all day; no wind before 14:00 UTC, 500 MW after, so west-hub's green
// supply is 0.001 × 500 = 0.5 MW from 14:00 (no surplus). Peak is 17:00–22:00 Shanghai = 09:00–14:00 UTC.
// The clock stands still at 16:00: the running job's energy "so far" is exactly half an hour's,
// however long the app took to start (a clock running from module load would add the start-up's seconds).
const clock = virtualClock(day('16:00'), 1, () => 0);
const ctx = useTestApp({ clock });

async function overview() {
  return (await request(ctx.http).get('/dashboard/api/overview').set(OPERATOR).expect(200)).body;
}

describe('metered energy, from what jobs actually ran', () => {
  it('splits each closed segment by hour and counts the running one so far, green first, peak grid apart', async () => {
    await postWestForecast(ctx.http, day('08:00'), 12, (at) => (at.hour >= 14 ? 500 : 0), clock.now());
    const repository = ctx.t.app.get(JobsRepository);
    const deadline = clock.now().plus({ days: 1 }).toISO();
    const scheduled = (id: string) =>
      repository.update(id, (job) => transition(job, 'scheduled', day('10:00').toISO()!, 'test'));
    // 100 GPUs × 0.7 kW × PUE 1.2 = 0.084 MW.
    const a = await submit(ctx.http, { name: 'metered', gpus: 100, runtimeHours: 10, deadline, deferrable: true });
    await scheduled(a);
    await repository.update(a, (job) => started(job, 'west-hub', day('10:30'), 'test'));
    await repository.update(a, (job) => paused(job, day('12:15'), 'test'));
    await repository.update(a, (job) => started(job, 'west-hub', day('14:00'), 'test'));
    await repository.update(a, (job) => finished(job, 'completed', day('15:30'), 'test'));
    const ledger = await ctx.t.redis.hgetall(`${ctx.t.prefix}energy:west-hub`);
    expect(
      Object.fromEntries(
        Object.entries(ledger).map(([hour, mwh]) => [new Date(Number(hour)).toISOString().slice(11, 16), Number(mwh)]),
      ),
    ).toEqual({
      '10:00': 0.042,
      '11:00': 0.084,
      '12:00': 0.021,
      '14:00': 0.084,
      '15:00': 0.042,
    });

    // Still running since 15:30: half an hour at 0.084 MW so far, in an hour with green to spare.
    const b = await submit(ctx.http, { name: 'running', gpus: 100, runtimeHours: 10, deadline, deferrable: true });
    await scheduled(b);
    await repository.update(b, (job) => started(job, 'west-hub', day('15:30'), 'test'));

    const { metered } = (await overview()).energy;
    expect(metered.energyMwh).toBeCloseTo(0.273 + 0.042, 3);
    expect(metered.greenMwh).toBeCloseTo(0.126 + 0.042, 3);
    expect(metered.gridMwh).toBeCloseTo(0.147, 3);
    expect(metered.peakGridMwh).toBeCloseTo(0.147, 3);
    expect(metered.greenShare).toBeCloseTo(0.168 / 0.315, 3);
  });

  it("forgets metered hours older than the signals' retention window in the daily housekeeping", async () => {
    const repository = ctx.t.app.get(JobsRepository);
    const id = await submit(ctx.http, {
      name: 'long-ago',
      gpus: 100,
      runtimeHours: 10,
      deadline: clock.now().plus({ days: 1 }).toISO(),
      deferrable: true,
    });
    await repository.update(id, (job) => transition(job, 'scheduled', day('00:00').toISO()!, 'test'));
    // A segment 31 days back (clock-wise) and one within the window.
    await repository.update(id, (job) => started(job, 'west-hub', day('09:00').minus({ days: 31 }), 'test'));
    await repository.update(id, (job) => paused(job, day('10:00').minus({ days: 31 }), 'test'));
    const before = await ctx.t.redis.hlen(`${ctx.t.prefix}energy:west-hub`);
    const result = await ctx.t.app.get(HousekeepingService).run();
    expect(result.energyHours).toBe(1);
    expect(await ctx.t.redis.hlen(`${ctx.t.prefix}energy:west-hub`)).toBe(before - 1);
    expect(await ctx.t.redis.hexists(`${ctx.t.prefix}energy:west-hub`, String(day('10:00').toMillis()))).toBe(1);
  });

  it('meters nothing for a job that never ran, and a repeated close adds nothing', async () => {
    const repository = ctx.t.app.get(JobsRepository);
    const before = await ctx.t.redis.hgetall(`${ctx.t.prefix}energy:west-hub`);
    const id = await submit(ctx.http, {
      name: 'never-ran',
      gpus: 8,
      runtimeHours: 1,
      deadline: clock.now().plus({ days: 1 }).toISO(),
    });
    await repository.update(id, (job) => finished(job, 'cancelled', clock.now(), 'test'));
    await repository.update(id, (job) => job);
    expect(await ctx.t.redis.hgetall(`${ctx.t.prefix}energy:west-hub`)).toEqual(before);
  });
});
