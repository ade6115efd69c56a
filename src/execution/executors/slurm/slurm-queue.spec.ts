import { readFileSync } from 'node:fs';
import {
  current,
  failureOf,
  isFinished,
  isReleased,
  jobsBySite,
  parseSqueueJson,
  parseSqueueLines,
  siteOfComment,
  type SlurmJob,
} from './slurm-queue.js';
import { commandFor, holdSteps, releaseSteps } from './slurm-steps.js';

/**
 * Real `squeue --json --states=all` output of Slurm 22.05.8 (OpenAPI v0.0.38), one Westwind job in each
 * state the executor reads and one that is someone else's: see test/support/slurm-fixtures/PROVENANCE.md.
 */
const RECORDED = readFileSync('test/support/slurm-fixtures/squeue-states.json', 'utf8');
const jobs = parseSqueueJson(RECORDED);
/** The recorded Westwind job with the fixed id ending in `n` (record.sh names them so). */
const recorded = (n: number): SlurmJob => {
  const job = jobs.find((j) => j.name === `westwind-00000000-0000-7000-8000-00000000000${n}`);
  if (!job) throw new Error(`no recorded job ${n}`);
  return job;
};

describe('squeue --json (recorded from Slurm 22.05.8)', () => {
  it("keeps Westwind's jobs only, each with the site its comment names", () => {
    expect(jobs).toHaveLength(9);
    expect(jobs.every((j) => siteOfComment(j.comment, j.name.slice('westwind-'.length)) === 'west-hub')).toBe(true);
  });

  it.each([
    // n, label, Slurm's state, held, released (Slurm will run it or runs it), finished
    [1, 'submitted with --hold', 'PENDING', true, false, false],
    [2, 'running', 'RUNNING', false, true, false],
    [3, 'requeue-held (scontrol requeuehold)', 'PENDING', true, false, false],
    [4, 'suspended', 'SUSPENDED', false, false, false],
    [5, 'completed', 'COMPLETED', false, false, true],
    [6, 'exited 3', 'FAILED', false, false, true],
    [7, 'killed by SIGKILL', 'FAILED', false, false, true],
    [8, 'cancelled while running', 'CANCELLED', false, false, true],
    [9, 'past its time limit', 'TIMEOUT', false, false, true],
  ])('reads job %i (%s): %s, held %s, released %s, finished %s', (n, _, state, held, released, finished) => {
    const job = recorded(n);
    expect(job.state).toBe(state);
    expect(job.held).toBe(held);
    expect(isReleased(job)).toBe(released);
    expect(isFinished(job)).toBe(finished);
  });

  it('reads why a job did not complete: exit code, signal, time limit', () => {
    expect(recorded(5)).toMatchObject({ exitCode: 0, signal: 0 });
    expect(failureOf(recorded(6))).toBe(`Slurm job ${recorded(6).id} FAILED: exit code 3`);
    expect(failureOf(recorded(7))).toBe(`Slurm job ${recorded(7).id} FAILED: killed by signal 9`);
    expect(failureOf(recorded(9))).toBe(`Slurm job ${recorded(9).id} TIMEOUT: reached its time limit`);
    expect(recorded(1).startTime).toBe(0); // never started
    expect(recorded(2).startTime).toBeGreaterThan(0);
    expect(recorded(1).comment).toBe(
      'westwind job 00000000-0000-7000-8000-000000000001 at west-hub: held; planned start 2026-03-02T07:00:00.000Z',
    );
  });

  it('refuses a document that is not the v0.0.38 one, and text that is not JSON', () => {
    expect(() => parseSqueueJson('{"meta":{},"errors":[]}')).toThrow(
      'squeue --json: no jobs array (not the v0.0.38 document)',
    );
    expect(() => parseSqueueJson('squeue: error: Unable to contact slurm controller')).toThrow(SyntaxError);
  });

  it('what an action does to each recorded job (requeue and suspend modes)', () => {
    const steps = (n: number) => ({
      release: releaseSteps(recorded(n)).map((s) => s.verb),
      requeue: holdSteps(recorded(n), 'requeue').map((s) => s.verb),
      suspend: holdSteps(recorded(n), 'suspend').map((s) => s.verb),
    });
    expect(steps(1)).toEqual({ release: ['begin-now', 'release'], requeue: [], suspend: [] });
    expect(steps(2)).toEqual({ release: [], requeue: ['requeuehold'], suspend: ['suspend'] });
    expect(steps(3)).toEqual({ release: ['begin-now', 'release'], requeue: [], suspend: [] });
    expect(steps(4)).toEqual({ release: ['resume'], requeue: ['requeuehold'], suspend: [] });
    for (const n of [5, 6, 7, 8, 9]) expect(steps(n)).toEqual({ release: [], requeue: [], suspend: [] });
  });
});

describe('squeue --format lines', () => {
  const text = [
    '12|PENDING|JobHeldUser|0|westwind-a|westwind job a at west-hub: x|y; planned start 2026-03-02T07:00:00Z',
    '13|RUNNING|None|4294901759|westwind-a|westwind job a at west-hub: x|y',
    '11|CANCELLED|JobHeldUser|0|westwind-a|westwind job a at east-edge: x',
    '14|RUNNING|None|100|someone-elses|(null)',
    '',
  ].join('\n');

  it('keeps a comment that contains the separator, and reads (null) as no comment', () => {
    const lines = parseSqueueLines(text);
    expect(lines[0]).toEqual({
      id: 12,
      state: 'PENDING',
      reason: 'JobHeldUser',
      name: 'westwind-a',
      comment: 'westwind job a at west-hub: x|y; planned start 2026-03-02T07:00:00Z',
      held: true,
    });
    expect(lines[3].comment).toBe('');
  });

  it("groups a site's Slurm jobs by Westwind job, newest first; the live one stands for the job", () => {
    const bySite = jobsBySite(parseSqueueLines(text), 'west-hub');
    expect([...bySite.keys()]).toEqual(['a']);
    expect(bySite.get('a')!.map((j) => j.id)).toEqual([13, 12]);
    expect(current(bySite.get('a')!)?.id).toBe(13);
    expect(
      jobsBySite(parseSqueueLines(text), 'east-edge')
        .get('a')!
        .map((j) => j.id),
    ).toEqual([11]);
    expect(current([])).toBeUndefined();
  });
});

describe('one command per verb over a job list', () => {
  it('joins the ids as scontrol and scancel take them', () => {
    expect(commandFor('requeuehold', [1, 2, 3])).toEqual(['scontrol', ['requeuehold', '1,2,3']]);
    expect(commandFor('begin-now', [4, 5])).toEqual(['scontrol', ['update', 'JobId=4,5', 'StartTime=now']]);
    expect(commandFor('cancel', [6, 7])).toEqual(['scancel', ['6', '7']]);
  });
});
