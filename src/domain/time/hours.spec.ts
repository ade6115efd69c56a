import { HOUR_MS, hourStartMs, isHourStart } from './hours.js';

describe('hours', () => {
  it('rounds an instant down to the start of its UTC hour', () => {
    const hour = Date.parse('2026-03-01T10:00:00Z');
    expect(hourStartMs(hour + 59 * 60_000)).toBe(hour);
    expect(hourStartMs(hour)).toBe(hour);
    expect(hourStartMs(hour - 1)).toBe(hour - HOUR_MS);
  });

  it('tells the start of an hour from any other instant', () => {
    expect(isHourStart(Date.parse('2026-03-01T10:00:00Z'))).toBe(true);
    expect(isHourStart(Date.parse('2026-03-01T10:00:00.001Z'))).toBe(false);
  });
});
