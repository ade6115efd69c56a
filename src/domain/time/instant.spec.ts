import { formatInstant, parseInstant } from './instant.js';

describe('instants', () => {
  it('accepts ISO 8601 with Z or a numeric offset and converts to UTC', () => {
    expect(formatInstant(parseInstant('2026-03-29T02:30:00+02:00')!)).toBe('2026-03-29T00:30:00.000Z');
    expect(formatInstant(parseInstant('2026-03-29T02:30Z')!)).toBe('2026-03-29T02:30:00.000Z');
    expect(formatInstant(parseInstant('2026-10-25T08:00:00.5+0800')!)).toBe('2026-10-25T00:00:00.500Z');
  });

  it('refuses local times without an offset, dates alone, and impossible dates', () => {
    for (const text of ['2026-03-29T02:30:00', '2026-03-29', '2026-02-30T00:00:00Z', 'tomorrow', '']) {
      expect(parseInstant(text)).toBeUndefined();
    }
  });
});
