import fc from 'fast-check';
import { DateTime } from 'luxon';
import { closedSegmentEnergy, runSegmentEnergy, withOpenSegments } from '../energy/energy-meter.js';
import { type PowerCurve, throughputAt } from '../energy/power-curve.js';
import type { Job } from '../jobs/job.js';
import { transition } from '../jobs/job-state-machine.js';
import type { JobPlan } from '../planner/plan-types.js';
import { HOUR_MS } from '../time/hours.js';
import { actionsFor } from './dispatch-decision.js';
import { currentPowerFraction, paused, powerSet, started, workBetween, workDone } from './job-run.js';
import { ISSUE_POWER_CURVE as CURVE } from '../../../test/support/power-curves.js';
import { propertyParameters } from '../../../test/support/property-parameters.js';

const at = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });

function job(power: PowerCurve | null = CURVE): Job {
  const base: Job = {
    id: 'j1',
    tenant: 't',
    name: 'capped',
    gpus: 100,
    runtimeHours: 10,
    deadline: '2026-03-03T12:00:00.000Z',
    earliestStart: '2026-03-02T00:00:00.000Z',
    deferrable: true,
    interruptible: true,
    checkpointMinutes: 0,
    priority: 5,
    state: 'queued',
    submittedAt: '2026-03-02T00:00:00.000Z',
    updatedAt: '2026-03-02T00:00:00.000Z',
    history: [],
    ...(power && { power }),
  };
  return transition(base, 'scheduled', '2026-03-02T00:00:00.000Z', 'test');
}

function planned(powerFraction?: number, site = 'a'): JobPlan {
  return {
    jobId: 'j1',
    site,
    segments: [
      {
        site,
        startHour: 0,
        endHour: 4,
        start: '2026-03-02T08:00:00.000Z',
        end: '2026-03-02T12:00:00.000Z',
        ...(powerFraction !== undefined && { powerFraction }),
      },
    ],
    meetsDeadline: true,
    pauses: 0,
    peakHours: 0,
    peakMwh: 0,
    reason: 'test',
  };
}

const everywhere = { capsPower: () => true };

describe('power caps in execution', () => {
  it('sends setPower to a running job whose segment asks another fraction, where the site can cap', () => {
    const running = started(job(), 'a', at('2026-03-02T08:00:00Z'), 'go');
    const now = at('2026-03-02T08:10:00Z');
    expect(actionsFor(running, planned(0.7), 4, now, everywhere)).toEqual([
      {
        id: 'j1.v4.s0.setPower',
        action: 'setPower',
        jobId: 'j1',
        site: 'a',
        planVersion: 4,
        segment: 0,
        powerFraction: 0.7,
      },
    ]);
    // Not where the site cannot cap, nor without knowing the sites (the replay), nor when it already runs there.
    expect(actionsFor(running, planned(0.7), 4, now, { capsPower: () => false })).toEqual([]);
    expect(actionsFor(running, planned(0.7), 4, now)).toEqual([]);
    const capped = powerSet(running, 0.7, now, 'capped');
    expect(actionsFor(capped, planned(0.7), 5, now, everywhere)).toEqual([]);
    // Back to full power when the plan lifts the cap; held within [minFraction, 1].
    expect(actionsFor(capped, planned(), 6, now, everywhere).map((c) => c.powerFraction)).toEqual([1]);
    expect(actionsFor(running, planned(0.2), 6, now, everywhere).map((c) => c.powerFraction)).toEqual([0.5]);
    // A job that declares no curve is never capped, whatever the plan says.
    const plain = started(job(null), 'a', at('2026-03-02T08:00:00Z'), 'go');
    expect(actionsFor(plain, planned(0.7), 4, now, everywhere)).toEqual([]);
    // A start comes first; its setPower follows once it runs.
    expect(actionsFor(job(), planned(0.7), 4, now, everywhere).map((c) => c.action)).toEqual(['start']);
  });

  it('records the cap on the run: current fraction, its step on the open segment; a pause lifts it', () => {
    const running = started(job(), 'a', at('2026-03-02T08:00:00Z'), 'go');
    const capped = powerSet(running, 0.7, at('2026-03-02T09:00:00Z'), 'capped to 70% power');
    expect(capped.run!.powerFraction).toBe(0.7);
    expect(currentPowerFraction(capped)).toBe(0.7);
    expect(capped.run!.segments).toEqual([
      {
        site: 'a',
        start: '2026-03-02T08:00:00.000Z',
        power: [{ at: '2026-03-02T09:00:00.000Z', fraction: 0.7, reason: 'capped to 70% power' }],
      },
    ]);
    expect(capped.state).toBe('running');
    expect(capped.history).toEqual(running.history);
    const lifted = powerSet(capped, 1, at('2026-03-02T10:00:00Z'), 'full power');
    expect(lifted.run!.powerFraction).toBeUndefined();
    expect(lifted.run!.segments[0].power!.map((s) => s.fraction)).toEqual([0.7, 1]);
    const stopped = paused(capped, at('2026-03-02T11:00:00Z'), 'peak');
    expect(stopped.run!.powerFraction).toBeUndefined();
    expect(currentPowerFraction(stopped)).toBe(1);
    expect(started(stopped, 'a', at('2026-03-02T12:00:00Z'), 'go').run!.powerFraction).toBeUndefined();
  });

  it('work advances at the throughput of the cap: 1 h full, then 2 h at 0.7 power = 1 + 1.8 h of work', () => {
    const running = started(job(), 'a', at('2026-03-02T08:00:00Z'), 'go');
    const capped = powerSet(running, 0.7, at('2026-03-02T09:00:00Z'), 'capped');
    expect(workDone(capped, at('2026-03-02T11:00:00Z'))).toBeCloseTo(2.8, 12);
    expect(paused(capped, at('2026-03-02T11:00:00Z'), 'peak').run!.checkpointedHours).toBeCloseTo(2.8, 12);
  });

  it('meters a capped segment at fraction × full power, hour by hour', () => {
    const running = started(job(), 'a', at('2026-03-02T08:00:00Z'), 'go');
    const capped = powerSet(running, 0.7, at('2026-03-02T09:30:00Z'), 'capped');
    const stopped = paused(capped, at('2026-03-02T11:00:00Z'), 'peak');
    const [closed] = closedSegmentEnergy(capped.run!.segments, stopped.run!.segments, () => 2);
    const hour = (h: string) => Date.parse(`2026-03-02T${h}:00:00Z`);
    expect([...closed.mwh]).toEqual([
      [hour('08'), 2],
      [hour('09'), 1 + 0.7],
      [hour('10'), 1.4],
    ]);
    // The open segment so far, the same way.
    const open = withOpenSegments(new Map([['a', new Map()]]), [capped], hour('10') + HOUR_MS / 2, () => 2);
    expect([...open.get('a')!].map(([, mwh]) => mwh)).toEqual([2, 1.7, 0.7]);
  });

  it('energy adds up: metered MWh is Σ fraction × duration × power, and work Σ throughput × duration', () => {
    const steps = fc.array(
      fc.record({ minutes: fc.integer({ min: 0, max: 300 }), fraction: fc.double({ min: 0.5, max: 1, noNaN: true }) }),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(
        steps,
        fc.integer({ min: 0, max: 600 }),
        fc.double({ min: 0.01, max: 50, noNaN: true }),
        (raw, tail, mw) => {
          const start = Date.parse('2026-03-02T08:17:00Z');
          let cursor = start;
          const power = raw.map((s) => {
            cursor += s.minutes * 60_000;
            return { at: new Date(cursor).toISOString(), fraction: s.fraction };
          });
          const end = cursor + tail * 60_000;
          let expected = 0;
          let work = 0;
          let fraction = 1;
          let from = start;
          for (const step of [...power, { at: new Date(end).toISOString(), fraction: 1 }]) {
            const to = Date.parse(step.at);
            expected += (fraction * mw * (to - from)) / HOUR_MS;
            work += ((to - from) / HOUR_MS) * throughputAt(CURVE, fraction);
            fraction = step.fraction;
            from = to;
          }
          const metered = [...runSegmentEnergy(start, end, mw, power).values()].reduce((a, b) => a + b, 0);
          const done = workBetween(CURVE, power, start, end);
          // Capped, never more work than uncapped over the same time, nor less than at minFraction.
          const hours = (end - start) / HOUR_MS;
          return (
            Math.abs(metered - expected) <= 1e-9 * (1 + expected) &&
            Math.abs(done - work) <= 1e-9 * (1 + work) &&
            done <= hours + 1e-9 &&
            done >= 0.7 * hours - 1e-9
          );
        },
      ),
      propertyParameters(631),
    );
  });
});
