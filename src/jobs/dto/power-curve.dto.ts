import { ApiProperty } from '@nestjs/swagger';
import { registerDecorator } from 'class-validator';
import { type PowerCurve, powerCurveProblem } from '../../domain/energy/power-curve.js';

/**
 * How a job bends under a GPU power cap: `{ minFraction: 0.5, throughput: [[1, 1], [0.7, 0.9],
 * [0.5, 0.7]] }` — at 70% of its full power it does 90% of its full-power work rate; linear in
 * between. Checked whole (powerCurveProblem): minFraction in (0, 1]; 1–16 [fraction, throughput]
 * points with fractions in [minFraction, 1], including [1, 1] and minFraction; throughput in (0, 1],
 * never higher at lower power.
 */
export class PowerCurveDto implements PowerCurve {
  /** The lowest share of its full power the job may be capped to, in (0, 1]. */
  minFraction: number;
  /** [power fraction, throughput fraction] points. */
  // A tuple type the Swagger plugin cannot describe (it reads it as a cycle and the app fails to start): said here.
  @ApiProperty({
    type: 'array',
    items: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 },
    example: [
      [1, 1],
      [0.7, 0.9],
      [0.5, 0.7],
    ],
    description: '[power fraction, throughput fraction] points',
  })
  throughput: [number, number][];
}

/** Validates a power curve as a whole, with the problem in words (which point, which rule). */
export function IsPowerCurve() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isPowerCurve',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => powerCurveProblem(value) === undefined,
        defaultMessage: (args) => powerCurveProblem(args?.value) ?? 'is invalid',
      },
    });
}
