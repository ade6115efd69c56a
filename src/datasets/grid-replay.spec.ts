import { DateTime } from 'luxon';
import { GridReplay } from './grid-replay.js';
import { readOpsdZones } from './opsd.js';

const replay = new GridReplay();

describe('GridReplay', () => {
  it('replays 2019 at the same local wall-clock time: 14:00 in Shanghai is 14:00 in Berlin', () => {
    // 2019-03-07T06:00Z is 14:00 in Shanghai; 14:00 CET that day is 13:00Z.
    const [point] = replay.points(
      '50hertz',
      'Asia/Shanghai',
      DateTime.fromISO('2019-03-07T06:00:00Z', { zone: 'utc' }),
      1,
    );
    const [real] = readOpsdZones(DateTime.fromISO('2019-03-07T13:00:00Z', { zone: 'utc' }), 1).filter(
      (s) => s.zone === '50hertz',
    );
    expect(point).toEqual({
      start: '2019-03-07T06:00:00.000Z',
      windMw: real.windMw[0],
      solarMw: real.solarMw[0],
      loadMw: real.loadMw[0],
    });
  });

  it('maps later years back by whole 52-week steps, so the weekday matches', () => {
    // Thursday 2026-03-05 14:00 Shanghai → 7 × 52 weeks earlier: Thursday 2019-03-14, 14:00 Berlin.
    const [point] = replay.points(
      'tennet',
      'Asia/Shanghai',
      DateTime.fromISO('2026-03-05T06:00:00Z', { zone: 'utc' }),
      1,
    );
    const [real] = readOpsdZones(DateTime.fromISO('2019-03-14T13:00:00Z', { zone: 'utc' }), 1).filter(
      (s) => s.zone === 'tennet',
    );
    expect(point.loadMw).toBe(real.loadMw[0]);
    expect(point.windMw).toBe(real.windMw[0]);
  });

  it('gives one point per UTC hour with real values, also across the DST change and the end of the data', () => {
    const points = replay.points(
      'amprion',
      'Asia/Shanghai',
      DateTime.fromISO('2026-12-30T00:00:00Z', { zone: 'utc' }),
      24 * 14,
    );
    expect(points).toHaveLength(336);
    expect(points.every((p) => p.loadMw > 0 && Number.isFinite(p.windMw) && p.solarMw >= 0)).toBe(true);
    expect(new Set(points.map((p) => p.start)).size).toBe(336);
  });
});
