import { DateTime } from 'luxon';
import type { HourSupply } from '../energy/energy-meter.js';
import type { ActualSegment, Job, JobState } from '../jobs/job.js';
import { HOUR_MS } from '../time/hours.js';
import {
  addSavings,
  avoided,
  emptyRow,
  energySpan,
  jobEnergy,
  jobSavings,
  keptMonths,
  monthExpiry,
  monthOf,
  monthRange,
  rowFigures,
  totalRow,
} from './savings.js';

/** Hour h of 2026-03-02 (UTC), as an ISO instant; fractions allowed. */
const at = (h: number) => new Date(Date.UTC(2026, 2, 2) + h * HOUR_MS).toISOString();
const hourMs = (h: number) => Date.UTC(2026, 2, 2) + h * HOUR_MS;

/** A finished job of tenant `alpha` submitted at hour `submitted`, with these run segments. */
function job(state: JobState, submitted: number, segments: ActualSegment[], ended: number, earliest = submitted): Job {
  return {
    id: `job-${state}-${submitted}`,
    tenant: 'alpha',
    name: 'test',
    gpus: 8,
    runtimeHours: 2,
    deadline: at(48),
    earliestStart: at(earliest),
    deferrable: true,
    interruptible: true,
    checkpointMinutes: 0,
    priority: 5,
    state,
    submittedAt: at(submitted),
    updatedAt: at(ended),
    history: [
      { at: at(submitted), from: null, to: 'queued', reason: 'submitted' },
      { at: at(ended), from: 'running', to: state, reason: 'test' },
    ],
    run: segments.length
      ? { site: segments.at(-1)!.site, doneHours: 2, reportedAt: at(ended), checkpointedHours: 2, segments }
      : undefined,
  };
}

const seg = (site: string, from: number, to: number): ActualSegment => ({ site, start: at(from), end: at(to) });

/**
 * Site `s` (and `t`), 1 MW per job: green supply 2 MW from hour 4 to 6, none otherwise; peak hours 9–11
 * and 0–2; carbon 500 g/kWh; price 50 before hour 9, 200 from it.
 */
function supplyAt(_site: string, hour: number): HourSupply | undefined {
  const h = (hour - hourMs(0)) / HOUR_MS;
  return {
    greenMw: h >= 4 && h < 6 ? 2 : 0,
    peak: (h >= 9 && h < 11) || h < 2,
    carbonGPerKwh: 500,
    pricePerMwh: h < 9 ? 50 : 200,
  };
}
const oneMw = () => 1;
const savingsOf = (j: Job) => jobSavings(jobEnergy(j, oneMw), supplyAt);

describe('savings against fifo, per finished job', () => {
  it('a job that ran entirely in green hours avoided all of fifo’s grid, peak, carbon and cost', () => {
    // Submitted at 00:00, ran 04:00–06:00 on green supply; fifo runs 00:00–02:00: peak, grid, 500 g/kWh, 50/MWh.
    const s = savingsOf(job('completed', 0, [seg('s', 4, 6)], 6));
    expect(s.westwind).toEqual({ energyMwh: 2, greenMwh: 2, gridMwh: 0, peakGridMwh: 0, carbonKg: 0, cost: 0 });
    expect(s.fifo).toEqual({ energyMwh: 2, greenMwh: 0, gridMwh: 2, peakGridMwh: 2, carbonKg: 1000, cost: 100 });
    expect(avoided(s)).toEqual({ gridMwh: 2, peakGridMwh: 2, carbonKg: 1000, cost: 100 });
  });

  it('a job forced through a peak shows what it cost against fifo: negative savings, not hidden', () => {
    // Submitted 08:00, ran 09:00–11:00 (both peak, 200/MWh); fifo 08:00–10:00: an off-peak hour at 50, a peak at 200.
    const s = savingsOf(job('completed', 8, [seg('s', 9, 11)], 11));
    expect(s.westwind).toMatchObject({ gridMwh: 2, peakGridMwh: 2, carbonKg: 1000, cost: 400 });
    expect(s.fifo).toMatchObject({ gridMwh: 2, peakGridMwh: 1, carbonKg: 1000, cost: 250 });
    expect(avoided(s)).toEqual({ gridMwh: 0, peakGridMwh: -1, carbonKg: 0, cost: -150 });
  });

  it('a job cancelled after half an hour counts what it used; one cancelled before it ran counts nothing', () => {
    // Ran 04:00–04:30 on green (0.5 MWh); fifo would have run 00:00–00:30 from the grid in a peak hour.
    const s = savingsOf(job('cancelled', 0, [seg('s', 4, 4.5)], 4.5));
    expect(s.state).toBe('cancelled');
    expect(s.westwind).toMatchObject({ energyMwh: 0.5, greenMwh: 0.5, gridMwh: 0 });
    expect(s.fifo).toEqual({ energyMwh: 0.5, greenMwh: 0, gridMwh: 0.5, peakGridMwh: 0.5, carbonKg: 250, cost: 25 });

    const never = jobEnergy(job('cancelled', 3, [], 5), oneMw);
    expect(never.fifo).toBeUndefined();
    expect(energySpan(never)).toEqual({ fromMs: hourMs(5), hours: 0 });
    const nothing = jobSavings(never, supplyAt);
    expect(nothing.westwind.energyMwh).toBe(0);
    expect(nothing.fifo.energyMwh).toBe(0);
  });

  it('a failed job counts what it used up to its failure', () => {
    const s = savingsOf(job('failed', 3, [seg('s', 3, 4.25)], 4.25));
    // 03:00–04:00 grid off-peak, 04:00–04:15 green; fifo is the same run (started at submission).
    expect(s.westwind).toMatchObject({ energyMwh: 1.25, greenMwh: 0.25, gridMwh: 1 });
    expect(avoided(s)).toEqual({ gridMwh: 0, peakGridMwh: 0, carbonKg: 0, cost: 0 });
  });

  it('runs fifo with the energy used under caps at full power, from the later of submission and earliest start', () => {
    const capped = job(
      'completed',
      0,
      [{ ...seg('s', 4, 6), power: [{ at: at(5), fraction: 0.5, reason: 'cap' }] }],
      6,
      2,
    );
    const energy = jobEnergy(capped, oneMw);
    // 1 MWh in hour 4, 0.5 in hour 5 (capped to half); fifo: 1.5 MWh at 1 MW from 02:00 (earliest start).
    expect([...energy.westwind.get('s')!]).toEqual([
      [hourMs(4), 1],
      [hourMs(5), 0.5],
    ]);
    expect([...energy.fifo!.mwh]).toEqual([
      [hourMs(2), 1],
      [hourMs(3), 0.5],
    ]);
    expect(energySpan(energy)).toEqual({ fromMs: hourMs(2), hours: 4 });
  });

  it('runs fifo at the site the job first ran at, at that site’s power', () => {
    const moved = job('completed', 0, [seg('s', 4, 5), seg('t', 6, 7)], 7);
    const energy = jobEnergy(moved, (site) => (site === 's' ? 2 : 1));
    // 2 MWh at s, 1 at t: 3 MWh run at s's 2 MW for 1.5 h from 00:00.
    expect(energy.fifo!.site).toBe('s');
    expect([...energy.fifo!.mwh]).toEqual([
      [hourMs(0), 2],
      [hourMs(1), 1],
    ]);
    expect([...energy.westwind.keys()]).toEqual(['s', 't']);
  });

  it('leaves out of fifo the checkpoint restores a paused job spent: fifo runs straight through', () => {
    const resumed = { ...job('completed', 0, [seg('s', 4, 5), seg('s', 6, 7.5)], 7.5), checkpointMinutes: 30 };
    const energy = jobEnergy(resumed, oneMw);
    // Used 1 + 1.5 MWh, of which the resume's first half hour restored the checkpoint: fifo needs 2 MWh.
    expect([...energy.westwind.get('s')!.values()].reduce((a, b) => a + b)).toBe(2.5);
    expect([...energy.fifo!.mwh]).toEqual([
      [hourMs(0), 1],
      [hourMs(1), 1],
    ]);
    // A restore cut short by a cancel counts only what it ran.
    const cut = { ...job('cancelled', 0, [seg('s', 4, 5), seg('s', 6, 6.25)], 6.25), checkpointMinutes: 30 };
    expect([...jobEnergy(cut, oneMw).fifo!.mwh]).toEqual([[hourMs(0), 1]]);
  });

  it('refuses a job that has not finished', () => {
    expect(() => jobEnergy(job('running', 0, [seg('s', 0, 1)], 1), oneMw)).toThrow(/not finished/);
  });
});

describe('savings per tenant and month', () => {
  it('adds jobs by how they ended, totals rows, and rounds what people read', () => {
    const green = savingsOf(job('completed', 0, [seg('s', 4, 6)], 6));
    const peak = savingsOf(job('completed', 8, [seg('s', 9, 11)], 11));
    const cancelled = savingsOf(job('cancelled', 0, [seg('s', 4, 4.5)], 4.5));
    const alpha = [green, peak, cancelled].reduce(addSavings, emptyRow('alpha'));
    expect(alpha.jobs).toEqual({ completed: 2, failed: 0, cancelled: 1 });
    // Avoided: 2 + 0 + 0.5 grid; 2 − 1 + 0.5 peak grid; 1000 + 0 + 250 kg; 100 − 150 + 25.
    expect(avoided(alpha)).toEqual({ gridMwh: 2.5, peakGridMwh: 1.5, carbonKg: 1250, cost: -25 });
    const beta = addSavings(emptyRow('beta'), savingsOf(job('failed', 3, [seg('s', 3, 4.25)], 4.25)));
    const total = totalRow([alpha, beta], 'total');
    expect(total.jobs).toEqual({ completed: 2, failed: 1, cancelled: 1 });
    expect(total.westwind.energyMwh).toBeCloseTo(4.5 + 1.25, 9);
    expect(avoided(total)).toEqual(avoided(alpha));

    const third = { ...emptyRow('gamma'), westwind: { ...emptyRow('').westwind, gridMwh: 1 / 3 } };
    expect(rowFigures(third)).toEqual({
      tenant: 'gamma',
      jobs: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
      westwind: { energyMwh: 0, greenMwh: 0, gridMwh: 0.333, peakGridMwh: 0, carbonKg: 0, cost: 0 },
      fifo: { energyMwh: 0, greenMwh: 0, gridMwh: 0, peakGridMwh: 0, carbonKg: 0, cost: 0 },
      avoided: { gridMwh: -0.333, peakGridMwh: 0, carbonKg: 0, cost: 0 },
    });
  });

  it('months are calendar months in UTC', () => {
    expect(monthOf(Date.parse('2026-03-31T23:59:59.999Z'))).toBe('2026-03');
    expect(monthOf(Date.parse('2026-04-01T07:30:00+08:00'))).toBe('2026-03');
    expect(monthRange('2026-02')!.end.toISO()).toBe('2026-03-01T00:00:00.000Z');
    for (const bad of ['2026-13', '2026-00', '2026-1', '26-01', '2026-01-01', ' 2026-01', 'yyyy-mm'])
      expect(monthRange(bad)).toBeUndefined();
    expect(keptMonths(DateTime.fromISO('2026-12-01T06:00:00+08:00'))).toEqual({ oldest: '2025-11', newest: '2026-11' });
    expect(keptMonths(DateTime.fromISO('2026-12-15T00:00:00Z'))).toEqual({ oldest: '2025-12', newest: '2026-12' });
    expect(monthExpiry('2026-03').toISO()).toBe('2027-04-01T00:00:00.000Z');
  });
});
