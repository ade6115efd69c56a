import { registerDecorator, ValidationOptions } from 'class-validator';
import { parseInstant } from '../domain/time/instant.js';

/** An ISO 8601 date-time with an explicit offset (`Z` or `±hh:mm`). */
export function IsInstant(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isInstant',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseInstant(value) !== undefined,
        defaultMessage: () => 'must be an ISO 8601 date-time with an offset, for example 2026-03-01T18:00:00+08:00',
      },
    });
}
