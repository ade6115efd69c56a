import type { GridEventRecord } from '../events/event-reports.repository.js';
import { view } from './grid-events.service.js';

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
