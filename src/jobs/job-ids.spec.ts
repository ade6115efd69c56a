import { validate, version } from 'uuid';
import { JobIds, newJobId } from './job-ids.js';

/** The 48-bit epoch-ms timestamp a UUIDv7 starts with. */
function msecsOf(id: string): number {
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

describe('job ids', () => {
  const at = Date.parse('2026-03-02T01:00:00.123Z');

  it('sort in creation order within one millisecond (the tenant index pages newest first by id)', () => {
    const ids = Array.from({ length: 2000 }, () => newJobId(at));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('are UUIDv7 carrying the given (service clock) time, in order across milliseconds', () => {
    const ids = new JobIds();
    const made = [at, at, at + 1, at + 1, at + 1000].map((ms) => ids.next(ms));
    for (const id of made) {
      expect(validate(id)).toBe(true);
      expect(version(id)).toBe(7);
    }
    expect(made.map(msecsOf)).toEqual([at, at, at + 1, at + 1, at + 1000]);
    expect([...made].sort()).toEqual(made);
  });

  it('follow a clock set back to an earlier time (a test clock): its time, not the last one', () => {
    const ids = new JobIds();
    ids.next(at + 5000);
    expect(msecsOf(ids.next(at))).toBe(at);
  });
});
