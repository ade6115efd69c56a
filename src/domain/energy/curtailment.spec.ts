import { curtailment, eventHours, planBaseline, updatedBaseline } from './curtailment.js';
import { HOUR_MS } from '../time/hours.js';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const at = (h: number, minutes = 0) => T0 + h * HOUR_MS + minutes * 60_000;

describe('curtailment of a grid event', () => {
  it('covers each hour an interval touches, from the current hour, within the horizon', () => {
    const event = {
      key: 'p:e',
      zone: 'west',
      intervals: [
        { startMs: at(-2), endMs: at(1, 30) },
        { startMs: at(3), endMs: at(4) },
      ],
    };
    expect(eventHours(event, at(0, 20), 168)).toEqual([at(0), at(1), at(3)]);
    expect(eventHours(event, at(0, 20), 2)).toEqual([at(0), at(1)]);
  });

  it('takes the baseline from the plan, hour for hour from its start; nothing where it planned nothing', () => {
    const planned = { a: [{ gridMw: 5 }, { gridMw: 4 }, { gridMw: 3 }], b: [{ gridMw: 1 }] };
    expect(planBaseline([at(1), at(2), at(7)], ['a', 'b', 'c'], planned, at(0))).toEqual({
      hours: [at(1), at(2), at(7)],
      sites: { a: [4, 3, 0], b: [0, 0, 0], c: [0, 0, 0] },
    });
    expect(planBaseline([at(1)], ['a'], undefined, undefined).sites).toEqual({ a: [0] });
  });

  it('an updated event keeps the baseline of hours it had and of hours gone, takes new hours fresh', () => {
    const kept = { hours: [at(0), at(1), at(2)], sites: { a: [5, 5, 5] } };
    const fresh = { hours: [at(1), at(3)], sites: { a: [1, 2] } };
    expect(updatedBaseline(kept, fresh, at(1))).toEqual({ hours: [at(0), at(1), at(3)], sites: { a: [5, 5, 2] } });
  });

  it('compares the baseline with the grid import metered, averaged over the part of each hour gone', () => {
    const baseline = { hours: [at(0), at(1), at(2)], sites: { a: [4, 4, 4], b: [1, 1, 1] } };
    // Site a ran 1 MWh in hour 0 and 0.5 MWh in the first half of hour 1 with 0.2 MW green; b nothing.
    const energy: Record<string, number> = { [`a:${at(0)}`]: 1, [`a:${at(1)}`]: 0.5 };
    const meter = {
      energyMwh: (site: string, hour: number) => energy[`${site}:${hour}`] ?? 0,
      greenMw: (site: string) => (site === 'a' ? 0.2 : 0),
    };
    const { hours, totals } = curtailment(baseline, meter, at(1, 30));
    expect(hours.map((h) => [h.elapsed, h.baselineMw, h.meteredMw, h.curtailedMw])).toEqual([
      [1, 5, 0.8, 4.2],
      [0.5, 5, 0.8, 4.2],
      [0, 5, null, null],
    ]);
    expect(hours[0].sites).toEqual([
      { site: 'a', baselineMw: 4, meteredMw: 0.8, curtailedMw: 3.2 },
      { site: 'b', baselineMw: 1, meteredMw: 0, curtailedMw: 1 },
    ]);
    expect(totals.baselineMwh).toBeCloseTo(7.5);
    expect(totals.meteredMwh).toBeCloseTo(1.2);
    expect(totals.curtailedMwh).toBeCloseTo(6.3);
    expect(totals.plannedBaselineMwh).toBeCloseTo(15);
    expect(totals.complete).toBe(false);
    expect(curtailment(baseline, meter, at(3)).totals.complete).toBe(true);
  });
});
