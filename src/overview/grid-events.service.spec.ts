import type { GridEventRecord } from '../events/event-reports.repository.js';
import { LISTED_EVENTS, listedEvents, view } from './grid-events.service.js';

const H = 3_600_000;
const START = Date.parse('2026-03-02T01:00:00Z');

function record(overrides: Partial<GridEventRecord> = {}): GridEventRecord {
  return {
    key: 'west-dr:dr-1',
    zone: 'west',
    sites: ['east-edge'],
    source: { kind: 'openadr', subscription: 'vtn', programId: 'west-dr', eventId: 'dr-1', eventName: 'cut' },
    receivedAt: '2026-03-02T00:30:00.000Z',
    updatedAt: '2026-03-02T00:30:00.000Z',
    startMs: START,
    endMs: START + 2 * H,
    planVersion: 3,
    baseline: { hours: [START, START + H], sites: { 'east-edge': [0.02, 0.02] } },
    ...overrides,
  };
}

describe('a grid event as the dashboard lists it', () => {
  it.each([
    ['upcoming', START - 1],
    ['active', START],
    ['active', START + 2 * H - 1],
    ['ended', START + 2 * H],
  ])('%s at %i', (status, nowMs) => {
    expect(view(record(), undefined, null, 'Asia/Shanghai', nowMs).status).toBe(status);
  });

  it('a withdrawn event ends when it was withdrawn, whatever the hour', () => {
    const v = view(record({ deletedAt: '2026-03-02T01:30:00.000Z' }), undefined, null, 'UTC', START + H);
    expect(v).toMatchObject({
      status: 'withdrawn',
      start: '2026-03-02T01:00:00.000Z',
      end: '2026-03-02T01:30:00.000Z',
    });
  });

  it('its intervals while the signals hold the event, in UTC with what each asks', () => {
    const stored = {
      key: 'west-dr:dr-1',
      zone: 'west',
      intervals: [
        { startMs: START, endMs: START + 2 * H, importCapMw: 0.0204, peak: true, emergency: 'SIMPLE level 2' },
      ],
    };
    const v = view(record(), stored, null, 'Asia/Shanghai', START);
    expect(v.intervals).toEqual([
      {
        start: '2026-03-02T01:00:00.000Z',
        end: '2026-03-02T03:00:00.000Z',
        importCapMw: 0.0204,
        peak: true,
        emergency: 'SIMPLE level 2',
        pricePerMwh: null,
        carbonGPerKwh: null,
      },
    ]);
    expect(v).toMatchObject({ eventName: 'cut', eventId: 'dr-1', programId: 'west-dr', timeZone: 'Asia/Shanghai' });
    expect(view(record(), undefined, null, 'UTC', START).intervals).toBeNull();
  });
});

describe('the grid events the dashboard lists', () => {
  const event = (key: string, startHour: number, hours: number, overrides: Partial<GridEventRecord> = {}) =>
    record({ key, startMs: START + startHour * H, endMs: START + (startHour + hours) * H, ...overrides });

  it('puts events in force first, then those to come soonest first, then those over; at most LISTED_EVENTS', () => {
    // A day's hourly price events sent ahead, an emergency in force since before them, two events over.
    const prices = Array.from({ length: 24 }, (_, k) => event(`price-${k}`, 1 + k, 1));
    const emergency = event('emergency', -2, 6);
    const ended = event('ended', -5, 2);
    const withdrawn = event('withdrawn', -3, 8, { deletedAt: '2026-03-02T00:30:00.000Z' });
    const { listed, total } = listedEvents([...prices, ended, withdrawn, emergency], START);
    const keys = listed.map((r) => r.key);
    expect(keys).toHaveLength(LISTED_EVENTS);
    expect(total).toBe(prices.length + 3);
    expect(keys[0]).toBe('emergency');
    expect(keys.slice(1)).toEqual(prices.slice(0, LISTED_EVENTS - 1).map((r) => r.key));
    // With room for all: those over after those to come, the latest ended first.
    const few = listedEvents([ended, prices[3], withdrawn, emergency, prices[0]], START);
    expect(few.listed.map((r) => r.key)).toEqual(['emergency', 'price-0', 'price-3', 'withdrawn', 'ended']);
    expect(few.total).toBe(5);
  });

  it('leaves out events over for more than a day', () => {
    const old = event('old', -30, 2);
    const recent = event('recent', -20, 2);
    expect(listedEvents([old, recent], START)).toEqual({ listed: [recent], total: 1 });
  });
});
