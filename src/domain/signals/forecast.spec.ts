import fc from 'fast-check';
import { DateTime } from 'luxon';
import { forecastToHours, ForecastPoint, pointProblems, Resolution } from './forecast.js';
import { propertyParameters } from '../../../test/support/property-parameters.js';

const now = DateTime.fromISO('2026-03-28T12:00:00Z', { zone: 'utc' });
const point = (start: DateTime, windMw = 1, extra: Partial<ForecastPoint> = {}): ForecastPoint => ({
  start: start.toISO()!,
  windMw,
  solarMw: 2,
  loadMw: 3,
  ...extra,
});

describe('forecast point checks', () => {
  it('names every bad field of every point', () => {
    expect(
      pointProblems([
        { start: '2026-03-01T00:00:00Z', windMw: 1, solarMw: 0, loadMw: 2, pricePerMwh: -20, p10: { windMw: 0.5 } },
        {
          start: '2026-03-01T01:00:00',
          windMw: -1,
          solarMw: 'x',
          loadMw: Infinity,
          colour: 'green',
          p90: { sunMw: 1 },
        },
        7,
      ]),
    ).toEqual([
      { field: 'points[1].colour', message: 'property colour should not exist' },
      { field: 'points[1].start', message: 'must be an ISO 8601 date-time with an offset' },
      { field: 'points[1].windMw', message: 'must not be negative' },
      { field: 'points[1].solarMw', message: 'must be a finite number' },
      { field: 'points[1].loadMw', message: 'must be a finite number' },
      { field: 'points[1].p90.sunMw', message: 'property sunMw should not exist' },
      { field: 'points[2]', message: 'must be an object' },
    ]);
  });
});

describe('forecast to hours', () => {
  it('averages finer resolutions to whole hours, for any values', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Resolution>('PT15M', 'PT30M', 'PT1H'),
        fc.array(fc.double({ min: 0, max: 1e5, noNaN: true }), { minLength: 4, maxLength: 96 }),
        (resolution, winds) => {
          const step = { PT15M: 15, PT30M: 30, PT1H: 60 }[resolution];
          const perHour = 60 / step;
          const usable = winds.slice(0, winds.length - (winds.length % perHour));
          const points = usable.map((w, i) => point(now.plus({ minutes: i * step }), w));
          const { hours } = forecastToHours(points, resolution, now);
          expect(hours).toHaveLength(usable.length / perHour);
          hours!.forEach((h, k) => {
            const slice = usable.slice(k * perHour, (k + 1) * perHour);
            expect(h.hour).toBe(now.plus({ hours: k }).toMillis());
            expect(h.windMw).toBeCloseTo(slice.reduce((a, b) => a + b, 0) / perHour, 6);
          });
        },
      ),
      propertyParameters(502, 100),
    );
  });

  it('keeps optional series and quantile bands only where every interval has them', () => {
    const points = [
      point(now, 1, { carbonGPerKwh: 500, p10: { windMw: 0 } }),
      point(now.plus({ minutes: 30 }), 3, { carbonGPerKwh: 700 }),
    ];
    expect(forecastToHours(points, 'PT30M', now).hours).toEqual([
      { hour: now.toMillis(), windMw: 2, solarMw: 2, loadMw: 3, carbonGPerKwh: 600 },
    ]);
  });

  it('takes points in any order and any offset', () => {
    const points = [
      point(now.plus({ hours: 1 }).setZone('Asia/Shanghai'), 5),
      point(now.setZone('America/New_York'), 4),
    ];
    expect(forecastToHours(points, 'PT1H', now).hours!.map((h) => h.windMw)).toEqual([4, 5]);
  });

  it.each([
    ['off the grid', [point(now.plus({ minutes: 20 }))], 'PT15M', 'points[0].start', 'is not on the PT15M grid'],
    [
      'a duplicate interval',
      [point(now), point(now.plus({ hours: 1 })), point(now)],
      'PT1H',
      'points[2].start',
      'overlaps points[0]',
    ],
    [
      'an incomplete hour',
      [point(now), point(now.plus({ minutes: 15 }))],
      'PT15M',
      'points[1].start',
      'has 2 of the 4 PT15M points',
    ],
    [
      'a horizon past 14 days',
      [point(now.plus({ days: 14 }))],
      'PT1H',
      'points[0].start',
      'reaches past the 14-day horizon',
    ],
  ] as const)('refuses %s, naming the point', (_, points, resolution, field, message) => {
    const { problems } = forecastToHours(points, resolution, now);
    expect(problems).toEqual([{ field, message: expect.stringContaining(message) }]);
  });

  it('handles the 23-hour DST day: 92 quarter-hours make 23 hours', () => {
    const day = DateTime.fromISO('2026-03-29T00:00', { zone: 'Europe/Berlin' });
    const points = Array.from({ length: 92 }, (_, i) => point(day.plus({ minutes: 15 * i })));
    expect(day.plus({ minutes: 15 * 92 }).toISODate()).toBe('2026-03-30');
    expect(forecastToHours(points, 'PT15M', now).hours).toHaveLength(23);
  });
});
