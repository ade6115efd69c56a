import { registerDecorator } from 'class-validator';
import { LEAD_BUCKET_IDS, type LeadBucketId } from '../domain/signals/measured-forecast-error.js';

/** A zone's configured relative error of green supply, or of load, per lead bucket (docs/grid-signals.md). */
export type ForecastErrorConfig = Partial<Record<LeadBucketId, number>>;

/**
 * `forecastError:` (and `loadForecastError:`) under a zone is either one number (every lead time) or a map
 * from lead bucket (`0-6h`, `6-24h`, `24-48h`, `48-72h`, `72h+`) to a number; each a relative error in [0, 1].
 * Buckets left out take the measured figure, else the default.
 */
export function forecastErrorConfigOf(value: unknown): unknown {
  if (typeof value === 'number') return Object.fromEntries(LEAD_BUCKET_IDS.map((id) => [id, value]));
  return value;
}

export function IsForecastErrorConfig() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isForecastErrorConfig',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => {
          if (value === undefined) return true;
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          return Object.entries(value).every(
            ([key, v]) =>
              (LEAD_BUCKET_IDS as readonly string[]).includes(key) &&
              typeof v === 'number' &&
              Number.isFinite(v) &&
              v >= 0 &&
              v <= 1,
          );
        },
        defaultMessage: () =>
          `must be a relative error in [0, 1], or a map from lead bucket (${LEAD_BUCKET_IDS.join(', ')}) to one`,
      },
    });
}
