import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { flattenValidationErrors } from './field-errors.js';
import { parseRequestJson } from './json-limits.js';
import { ProblemException } from './problem.js';

/**
 * Strict input validation for every route: unknown fields are refused, types are never coerced
 * (a "2" is not a 2), and errors come back as field-level problem details, one per field.
 */
export class StrictValidationPipe extends ValidationPipe {
  /**
   * `allowUnknownFields`: for documents of other standards (OpenADR) whose extra fields are
   * legitimate; they are dropped.
   */
  constructor(allowUnknownFields = false) {
    super({
      whitelist: true,
      forbidNonWhitelisted: !allowUnknownFields,
      forbidUnknownValues: true,
      stopAtFirstError: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      exceptionFactory: (errors) => ProblemException.invalid(400, flattenValidationErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const isDto = metadata.metatype !== undefined && this.toValidate(metadata);
    if (metadata.type === 'body' && isDto && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw ProblemException.invalid(400, [{ field: '(body)', message: 'must be a JSON object' }]);
    }
    return super.transform(value, metadata);
  }
}

/** Parses raw JSON bytes (kept raw for signature checks) with the body limits and validates them like any body. */
export async function parseJsonBody<T>(raw: unknown, dto: new () => T, allowUnknownFields = false): Promise<T> {
  const value = parseRequestJson(Buffer.isBuffer(raw) ? raw : Buffer.alloc(0));
  return (await new StrictValidationPipe(allowUnknownFields).transform(value, { type: 'body', metatype: dto })) as T;
}
