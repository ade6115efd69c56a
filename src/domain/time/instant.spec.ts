import fc from 'fast-check';
import { DateTime } from 'luxon';
import { formatInstant, parseInstant } from './instant.js';
import { propertyParameters } from '../../../test/support/property-parameters.js';

describe('instants', () => {
  it('accepts ISO 8601 with Z or a numeric offset and converts to UTC', () => {
    expect(formatInstant(parseInstant('2026-03-29T02:30:00+02:00')!)).toBe('2026-03-29T00:30:00.000Z');
    expect(formatInstant(parseInstant('2026-03-29T02:30Z')!)).toBe('2026-03-29T02:30:00.000Z');
    expect(formatInstant(parseInstant('2026-10-25T08:00:00.5+0800')!)).toBe('2026-10-25T00:00:00.500Z');
  });

  it('agrees with luxon on every instant it accepts', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        fc.constantFrom('UTC', 'Asia/Shanghai', 'Europe/Berlin', 'America/St_Johns', 'Asia/Kathmandu'),
        (date, zone) => {
          const text = DateTime.fromJSDate(date).setZone(zone).toISO()!;
          expect(parseInstant(text)!.toMillis()).toBe(DateTime.fromISO(text).toMillis());
        },
      ),
      propertyParameters(503, 100),
    );
  });

  it('refuses local times without an offset, dates alone, and impossible dates', () => {
    for (const text of [
      '2026-03-29T02:30:00',
      '2026-03-29',
      '2026-02-30T00:00:00Z',
      '2026-02-28T24:00:00Z',
      '2026-13-01T00:00Z',
      '2026-01-01T10:61Z',
      '2026-01-01T00:00:00+25:00',
      'tomorrow',
      '',
    ]) {
      expect(parseInstant(text)).toBeUndefined();
    }
  });
});
