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
});
