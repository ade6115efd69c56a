import { parseInstant } from '../../domain/time/instant.js';

/** Reads a provider's JSON answer; throws with a reason the failure message can carry. */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new Error(`not JSON: ${(error as Error).message}`);
  }
}

export function field(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) {
      throw new Error(`${path}: missing`);
    }
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function instantField(value: unknown, path: string): number {
  const text = field(value, path);
  const instant = typeof text === 'string' ? parseInstant(text) : undefined;
  if (!instant) throw new Error(`${path}: ${JSON.stringify(text)} is not an instant with an offset`);
  return instant.toMillis();
}

export function numberField(value: unknown, path: string): number {
  const n = field(value, path);
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new Error(`${path}: ${JSON.stringify(n)} is not a number`);
  return n;
}

export function arrayField(value: unknown, path: string): unknown[] {
  const list = field(value, path);
  if (!Array.isArray(list)) throw new Error(`${path}: not a list`);
  return list;
}
