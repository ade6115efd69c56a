import { ProblemException } from './problem.js';

/**
 * How deeply arrays and objects may nest in a request body. The deepest real body (an OpenADR
 * notification) nests about 8 levels; class-transformer and class-validator recurse once per level,
 * and JSON.parse of 100,000 levels alone takes a fifth of a second of CPU.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Keys refused anywhere in a body: assigned to an object they change its prototype instead of
 * adding a field (class-transformer does exactly that, so `__proto__` slipped past the
 * unknown-field rule), and no Westwind document uses them.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether JSON text (UTF-8 bytes) nests deeper than `limit`, found by one pass over the bytes
 * before anything parses them; it stops at the first level too deep. Brackets inside strings do
 * not count. Exact for valid JSON; invalid JSON is refused by JSON.parse at or before the place
 * this count could go wrong. UTF-8 multi-byte characters never contain ASCII bytes, so bytes suffice.
 */
export function nestsDeeperThan(bytes: Uint8Array, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH)
        i++; // the escaped character, a quote perhaps, is part of the string
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > limit) return true;
    } else if ((byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) && depth > 0) {
      depth--;
    }
  }
  return false;
}

/** The answer to a body nested too deeply: 400, before it is parsed. */
export function jsonTooDeep(limit = MAX_JSON_DEPTH): ProblemException {
  return ProblemException.of(
    400,
    'json-too-deep',
    'JSON nested too deeply',
    `The body nests arrays and objects more than ${limit} levels deep; at most ${limit} are accepted.`,
    { maxDepth: limit },
  );
}

/**
 * The path (`points[0].__proto__`, as field errors name fields) of the first reserved key in a
 * parsed JSON value, or undefined. Walks with its own stack, so no nesting can overflow it.
 */
export function reservedKeyPath(value: unknown): string | undefined {
  const pending: { value: unknown; path: string }[] = [{ value, path: '' }];
  while (pending.length > 0) {
    const { value: node, path } = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) {
      node.forEach((item, i) => pending.push({ value: item, path: `${path}[${i}]` }));
      continue;
    }
    // JSON.parse makes `__proto__` an own key, so Object.keys sees it.
    for (const key of Object.keys(node)) {
      const keyPath = path ? `${path}.${key}` : key;
      if (RESERVED_KEYS.has(key)) return keyPath;
      pending.push({ value: (node as Record<string, unknown>)[key], path: keyPath });
    }
  }
  return undefined;
}

/** The answer to a reserved key: 400 with a field error, like any other refused field. */
export function reservedKey(path: string): ProblemException {
  const names = [...RESERVED_KEYS].join(', ');
  return ProblemException.invalid(400, [{ field: path, message: `is a reserved name (${names}) and is not accepted` }]);
}

/** Throws the problem for a parsed JSON value with a reserved key anywhere in it. */
export function refuseReservedKeys(value: unknown): void {
  const path = reservedKeyPath(value);
  if (path !== undefined) throw reservedKey(path);
}

/**
 * JSON.parse for request bytes kept raw (webhooks, whose signature covers the exact bytes): the
 * depth is checked before parsing, reserved keys after, as express.json's bodies are.
 */
export function parseRequestJson(raw: Buffer): unknown {
  if (nestsDeeperThan(raw)) throw jsonTooDeep();
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    const detail = `The body is not valid JSON: ${(error as Error).message}`;
    throw ProblemException.of(400, 'malformed-json', 'Malformed JSON', detail);
  }
  refuseReservedKeys(value);
  return value;
}
