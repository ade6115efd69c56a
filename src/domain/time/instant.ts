import { DateTime } from 'luxon';

/** ISO 8601 date-time that states its offset (`Z` or `±hh:mm`): a local time without one is ambiguous. */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Parses an ISO 8601 instant with an explicit offset into UTC, or returns undefined. */
export function parseInstant(text: string): DateTime<true> | undefined {
  if (!ISO_WITH_OFFSET.test(text)) return undefined;
  const parsed = DateTime.fromISO(text, { setZone: true });
  return parsed.isValid ? parsed.toUTC() : undefined;
}

/** The canonical stored form of an instant: UTC, millisecond precision, `Z` suffix. */
export function formatInstant(instant: DateTime): string {
  return instant.toUTC().toISO({ suppressMilliseconds: false })!;
}
