import { openAdrToGridEvent } from './openadr-mapping.js';

const mapping = { zone: 'west', capacityUnit: 'kW' as const };

describe('OpenADR event mapping', () => {
  it('caps import (kW to MW), marks peak and follows the event period for intervals without their own', () => {
    const { event } = openAdrToGridEvent(
      {
        programID: 'west-dr',
        id: 'e1',
        intervalPeriod: { start: '2026-03-02T09:00:00Z', duration: 'PT1H' },
        intervals: [
          { id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [2500] }] },
          { id: 1, payloads: [{ type: 'SIMPLE', values: [1] }] },
        ],
      },
      mapping,
    );
    expect(event).toEqual({
      key: 'west-dr:e1',
      zone: 'west',
      sites: undefined,
      intervals: [
        { startMs: Date.parse('2026-03-02T09:00:00Z'), endMs: Date.parse('2026-03-02T10:00:00Z'), importCapMw: 2.5 },
        { startMs: Date.parse('2026-03-02T10:00:00Z'), endMs: Date.parse('2026-03-02T11:00:00Z'), peak: true },
      ],
    });
  });

  it('names the notification field at fault', () => {
    const intervals = [{ id: 0, payloads: [{ type: 'PRICE', values: ['high'] }] }];
    const { problems } = openAdrToGridEvent({ programID: 'west-dr', intervals }, mapping);
    const message = 'needs a start and duration (its own or the event’s)';
    expect(problems).toEqual([{ field: 'object.intervals[0].intervalPeriod', message }]);
  });

  it('sheds load in an emergency: SIMPLE level ≥ 2 and grid alerts cap import at the firm service level', () => {
    const period = (h: number) => ({ start: `2026-03-02T${String(9 + h).padStart(2, '0')}:00:00Z`, duration: 'PT1H' });
    const { event } = openAdrToGridEvent(
      {
        programID: 'west-peak',
        id: 'e2',
        intervals: [
          { id: 0, intervalPeriod: period(0), payloads: [{ type: 'SIMPLE', values: [2] }] },
          {
            id: 1,
            intervalPeriod: period(1),
            payloads: [{ type: 'ALERT_GRID_EMERGENCY', values: ['Grid under emergency conditions'] }],
          },
          { id: 2, intervalPeriod: period(2), payloads: [{ type: 'ALERT_BLACK_START', values: [] }] },
          {
            id: 3,
            intervalPeriod: period(3),
            payloads: [
              { type: 'SIMPLE', values: [3] },
              { type: 'IMPORT_CAPACITY_LIMIT', values: [100] },
            ],
          },
          { id: 4, intervalPeriod: period(4), payloads: [{ type: 'SIMPLE', values: [1] }] },
          { id: 5, intervalPeriod: period(5), payloads: [{ type: 'DISPATCH_INSTRUCTION', values: ['eco'] }] },
        ],
      },
      { ...mapping, firmServiceLevel: 250 },
    );
    expect(event!.intervals.map(({ importCapMw, peak, emergency }) => ({ importCapMw, peak, emergency }))).toEqual([
      { importCapMw: 0.25, peak: true, emergency: 'SIMPLE level 2' },
      { importCapMw: 0.25, peak: true, emergency: 'ALERT_GRID_EMERGENCY: Grid under emergency conditions' },
      { importCapMw: 0.25, peak: true, emergency: 'ALERT_BLACK_START' },
      { importCapMw: 0.1, peak: true, emergency: 'SIMPLE level 3' },
      { importCapMw: undefined, peak: true, emergency: undefined },
      { importCapMw: undefined, peak: undefined, emergency: undefined },
    ]);
    // Without a firm service level, an emergency leaves only what green supply covers.
    const bare = openAdrToGridEvent(
      {
        programID: 'p',
        intervals: [{ id: 0, intervalPeriod: period(0), payloads: [{ type: 'SIMPLE', values: [2] }] }],
      },
      mapping,
    );
    expect(bare.event!.intervals[0].importCapMw).toBe(0);
  });
});
