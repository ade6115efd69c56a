import { Duration } from 'luxon';
import { registerDecorator, ValidationOptions } from 'class-validator';

/** An ISO 8601 duration (`P30D`, `PT2M`) longer than zero and at most `max`. */
export function IsDuration(max: string, options?: ValidationOptions) {
  const maxMs = Duration.fromISO(max).toMillis();
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isDuration',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => {
          const duration = typeof value === 'string' ? Duration.fromISO(value) : undefined;
          return duration !== undefined && duration.isValid && duration.toMillis() > 0 && duration.toMillis() <= maxMs;
        },
        defaultMessage: () =>
          `must be an ISO 8601 duration longer than zero and at most ${max}, for example P30D or PT12H`,
      },
    });
}
