import { DateTime } from 'luxon';

/** ISO 8601 date-time that states its offset (`Z` or `±hh:mm`): a local time without one is ambiguous. */
const ISO_WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|([+-])(\d{2}):?(\d{2}))$/;

/**
 * Parses an ISO 8601 instant with an explicit offset into UTC, or returns undefined.
 * Forecasts bring thousands of timestamps per request, so this reads them with the native parser
 * (~1 µs against luxon's ~8 µs) and then checks the calendar itself: the native parser rolls
 * "February 30" over into March, so the fields must survive the round trip unchanged.
 */
export function parseInstant(text: string): DateTime<true> | undefined {
  const match = ISO_WITH_OFFSET.exec(text);
  if (!match) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  const [, year, month, day, hour, minute, second, sign, offsetHours, offsetMinutes] = match;
  const offset = sign ? (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) : 0;
  const local = new Date(ms + offset * 60_000);
  const fieldsHold =
    local.getUTCFullYear() === Number(year) &&
    local.getUTCMonth() + 1 === Number(month) &&
    local.getUTCDate() === Number(day) &&
    local.getUTCHours() === Number(hour) &&
    local.getUTCMinutes() === Number(minute) &&
    local.getUTCSeconds() === Number(second ?? 0);
  return fieldsHold && Math.abs(offset) <= 18 * 60
    ? (DateTime.fromMillis(ms, { zone: 'utc' }) as DateTime<true>)
    : undefined;
}

/** The canonical stored form of an instant: UTC, millisecond precision, `Z` suffix. */
export function formatInstant(instant: DateTime): string {
  return instant.toUTC().toISO({ suppressMilliseconds: false })!;
}
