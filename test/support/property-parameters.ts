import type fc from 'fast-check';

/**
 * fast-check's parameters for a property test: a fixed seed, so that every run (CI's too) tries the same cases and a
 * rare failing input cannot block a landing by luck; `PROPERTY_SEED_OFFSET=<integer>` moves every seed to explore
 * other cases on purpose (docs/testing.md). A failure prints the seed and path that reproduce it.
 */
export function propertyParameters(seed: number, numRuns = 100): fc.Parameters<unknown> {
  const given = process.env.PROPERTY_SEED_OFFSET ?? '0';
  const offset = Number(given);
  if (!Number.isSafeInteger(offset)) throw new Error(`PROPERTY_SEED_OFFSET must be an integer, not "${given}"`);
  return { seed: seed + offset, numRuns };
}
