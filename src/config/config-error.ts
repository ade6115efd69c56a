import { FieldError } from '../common/field-errors.js';

/** A configuration problem found at start-up; the message names each key and what is wrong with it. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: FieldError[],
  ) {
    super(`invalid configuration in ${source}:\n${problems.map((p) => `  - ${p.field}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
