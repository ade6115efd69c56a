import { MAX_JSON_DEPTH, nestsDeeperThan, parseRequestJson, reservedKeyPath } from './json-limits.js';
import { ProblemException } from './problem.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const arrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const objects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

describe('nesting depth, scanned before parsing', () => {
  it('accepts exactly the limit and refuses one level more, for arrays, objects and both mixed', () => {
    for (const nest of [arrays, objects]) {
      expect(nestsDeeperThan(bytes(nest(MAX_JSON_DEPTH)))).toBe(false);
      expect(nestsDeeperThan(bytes(nest(MAX_JSON_DEPTH + 1)))).toBe(true);
    }
    expect(nestsDeeperThan(bytes(`{"a":[${objects(MAX_JSON_DEPTH - 2)}]}`))).toBe(false);
    expect(nestsDeeperThan(bytes(`{"a":[${objects(MAX_JSON_DEPTH - 1)}]}`))).toBe(true);
  });

  it('counts depth, not brackets: many siblings at one level are fine', () => {
    expect(nestsDeeperThan(bytes(JSON.stringify(Array.from({ length: 10_000 }, () => [{ a: [1] }]))))).toBe(false);
  });

  it('does not count brackets inside strings, escaped quotes and backslashes included', () => {
    const deepLooking = '['.repeat(500) + '{'.repeat(500);
    for (const text of [deepLooking, `\\"${deepLooking}`, `\\\\${deepLooking}`, `"${deepLooking}`]) {
      const json = JSON.stringify({ name: text });
      const start = json.slice(0, 20);
      expect({ start, deep: nestsDeeperThan(bytes(json)) }).toEqual({ start, deep: false });
    }
    // …but a backslash-escaped quote does not end the string, and a real one does.
    expect(nestsDeeperThan(bytes(`["\\\\"${arrays(MAX_JSON_DEPTH)}]`))).toBe(true);
  });

  it('reads multi-byte UTF-8 without miscounting', () => {
    expect(nestsDeeperThan(bytes(JSON.stringify({ name: '训练 😀 ‮[[[[' }) + arrays(3)))).toBe(false);
  });

  it('stops at the first level too deep (an attack costs 65 bytes of scan); stray closers do not bank depth', () => {
    expect(nestsDeeperThan(bytes(arrays(500_000)))).toBe(true);
    expect(nestsDeeperThan(bytes(']'.repeat(1000) + arrays(MAX_JSON_DEPTH + 1)))).toBe(true);
  });
});

describe('reserved keys', () => {
  it('names the first reserved key anywhere, with the path field errors use', () => {
    expect(reservedKeyPath(JSON.parse('{"__proto__":{"admin":true}}'))).toBe('__proto__');
    expect(reservedKeyPath(JSON.parse('{"points":[{"a":1},{"constructor":{}}]}'))).toBe('points[1].constructor');
    expect(reservedKeyPath(JSON.parse('[[{"x":{"prototype":1}}]]'))).toBe('[0][0].x.prototype');
  });

  it('lets the same words through as values, and other keys alone', () => {
    const words = '{"name":"constructor","tags":["__proto__"],"Constructor":1,"proto":2}';
    expect(reservedKeyPath(JSON.parse(words))).toBeUndefined();
    expect(reservedKeyPath(null)).toBeUndefined();
    expect(reservedKeyPath('__proto__')).toBeUndefined();
  });
});

describe('parseRequestJson', () => {
  const problem = (raw: string) => {
    try {
      parseRequestJson(bytes(raw));
    } catch (error) {
      return (error as ProblemException).problem;
    }
    return undefined;
  };

  it('parses ordinary JSON', () => {
    const parsed = parseRequestJson(bytes('{"zone":"west","points":[{"windMw":1}]}'));
    expect(parsed).toEqual({ zone: 'west', points: [{ windMw: 1 }] });
  });

  it('refuses deep nesting, reserved keys and malformed JSON with 400 problems', () => {
    const tooDeep = { status: 400, type: 'urn:westwind:problem:json-too-deep', maxDepth: MAX_JSON_DEPTH };
    expect(problem(objects(100_000))).toMatchObject(tooDeep);
    expect(problem('{"a":[{"__proto__":1}]}')).toMatchObject({
      status: 400,
      type: 'urn:westwind:problem:invalid-request',
      errors: [{ field: 'a[0].__proto__' }],
    });
    expect(problem('{"a":')).toMatchObject({ status: 400, type: 'urn:westwind:problem:malformed-json' });
  });
});
