import { DateTime } from 'luxon';
import { admitJob, JobRequest } from './job-admission.js';

const ids = { id: 'j', tenant: 't' };
const admissionProblems = (request: JobRequest, c: typeof capacity, at: DateTime) =>
  admitJob(request, c, ids, at).problems ?? [];

const now = DateTime.fromISO('2026-03-01T00:00:00Z', { zone: 'utc' });
const capacity = {
  sites: [
    { id: 'west', gpus: 512 },
    { id: 'east', gpus: 64 },
  ],
  dataRegions: [{ id: 'shanghai' }],
};
const base: JobRequest = { name: 'llm', gpus: 8, runtimeHours: 10, deadline: '2026-03-02T00:00:00+08:00' };

describe('job admission', () => {
  it('admits a job that fits a site and its deadline', () => {
    expect(admissionProblems(base, capacity, now)).toEqual([]);
  });

  it('names unknown sites and data regions by field', () => {
    expect(admissionProblems({ ...base, sites: ['west', 'mars'], dataRegion: 'atlantis' }, capacity, now)).toEqual([
      { field: 'sites[1]', message: 'unknown site "mars"' },
      { field: 'dataRegion', message: 'unknown data region "atlantis"' },
    ]);
  });

  it('refuses more GPUs than the largest allowed site has', () => {
    expect(admissionProblems({ ...base, gpus: 513 }, capacity, now)[0].field).toBe('gpus');
    expect(admissionProblems({ ...base, gpus: 100, sites: ['east'] }, capacity, now)[0].message).toContain('(64 GPUs)');
    expect(admissionProblems({ ...base, gpus: 512 }, capacity, now)).toEqual([]);
  });

  it('refuses a deadline earlier than earliest start + runtime, counting from now when the start is past', () => {
    // deadline 2026-03-01T16:00Z; start 08:00Z + 10 h = 18:00Z
    const late = { ...base, earliestStart: '2026-03-01T08:00:00Z', deadline: '2026-03-02T00:00:00+08:00' };
    expect(admissionProblems(late, capacity, now)).toEqual([
      {
        field: 'deadline',
        message: 'is before the earliest possible finish 2026-03-01T18:00:00.000Z (earliest start + runtimeHours)',
      },
    ]);
    const past = { ...base, earliestStart: '2020-01-01T00:00:00Z', runtimeHours: 17 };
    expect(admissionProblems(past, capacity, now)[0].field).toBe('deadline');
  });

  it('refuses deadlines more than a year ahead', () => {
    expect(admissionProblems({ ...base, deadline: '2027-03-03T00:00:00Z' }, capacity, now)[0].message).toContain(
      'days ahead',
    );
  });

  it('creates a queued job in UTC with defaults and a first history entry', () => {
    const { job } = admitJob(base, capacity, ids, now);
    expect(job).toMatchObject({
      deadline: '2026-03-01T16:00:00.000Z',
      earliestStart: '2026-03-01T00:00:00.000Z',
      deferrable: true,
      interruptible: true,
      checkpointMinutes: 10,
      priority: 5,
      state: 'queued',
      history: [{ at: '2026-03-01T00:00:00.000Z', from: null, to: 'queued', reason: 'submitted' }],
    });
    expect(Object.keys(job!)).not.toContain('sites');
    expect(admitJob({ ...base, sites: ['west'] }, capacity, ids, now).job!.sites).toEqual(['west']);
  });
});
