import { REFERENCE_GPUS, REFERENCE_ZONES, SUITE_HOURS } from '../datasets/planning-instance.js';
import { replayStrategy } from './rolling-replay.js';
import { suiteReplayWorld } from './suite-world.js';

describe('the planner benchmark’s reference week as a replay world', () => {
  it('has its three zones, their sites of 64, 96 and 128 GPUs, the week’s actual series, its jobs', () => {
    const { world, jobs } = suiteReplayWorld();
    expect(world.config.zones.map((z) => [z.id, z.timeZone, z.peak])).toEqual(
      REFERENCE_ZONES.map((zone) => [zone, 'Europe/Berlin', { loadWithin: 0.1 }]),
    );
    expect(world.config.sites.map((s) => [s.zone, s.gpus])).toEqual(
      REFERENCE_ZONES.map((z, k) => [z, REFERENCE_GPUS[k]]),
    );
    expect(world.signals.hours).toBe(SUITE_HOURS);
    expect(world.signals.start.toISO()).toBe('2019-03-07T00:00:00.000Z');
    for (const series of world.signals.zones.values()) {
      expect(series.values).toHaveLength(SUITE_HOURS);
      expect(series.values.every((v) => v && v.loadMw > 0 && v.windMw >= 0 && v.solarMw >= 0)).toBe(true);
    }
    // bench/results/planner.json: reference-replay, 1,474 jobs (6 of the 1,480 end after the week).
    expect(jobs).toHaveLength(1474);
    expect(jobs.every((j) => j.state === 'queued' && Date.parse(j.deadline) > Date.parse(j.submittedAt))).toBe(true);
  });

  it('replayed by westwind over its first day, never runs more GPUs at a site than the site has', async () => {
    // Contended from the first hours: the deadline repair once handed a running job's committed hours to another job
    // and took them back unchecked (1 site-hour 8 GPUs over here; 83 site-hours, up to 33 GPUs, over the week).
    const { world, jobs } = suiteReplayWorld();
    const hours = 24;
    const end = world.signals.start.toMillis() + hours * 3_600_000;
    const day = { ...world, signals: { ...world.signals, hours } };
    const outcome = await replayStrategy(
      day,
      jobs.filter((j) => Date.parse(j.deadline) <= end),
      { strategy: 'westwind', objective: 'green', forecastError: 0, seed: 1 },
    );
    expect(outcome.jobs.filter((j) => j.start !== undefined).length).toBeGreaterThan(50);
    expect(outcome.overbooked).toEqual({ siteHours: 0, mostGpus: 0 });
  }, 60_000);

  it('with jobs announced a day ahead: each submitted 24 h before its start, none started before it', async () => {
    const known = suiteReplayWorld();
    const { world, jobs } = suiteReplayWorld(undefined, undefined, undefined, 24);
    expect(jobs.map((j) => [j.id, j.deadline, j.earliestStart])).toEqual(
      known.jobs.map((j) => [j.id, j.deadline, j.submittedAt]),
    );
    expect(jobs.every((j) => Date.parse(j.earliestStart) - Date.parse(j.submittedAt) === 24 * 3_600_000)).toBe(true);
    // Over the first hours, with the jobs of the day after known to the planner as they would be in the service.
    const hours = 6;
    const end = world.signals.start.toMillis() + hours * 3_600_000;
    const day = { ...world, signals: { ...world.signals, hours } };
    const outcome = await replayStrategy(
      day,
      jobs.filter((j) => Date.parse(j.earliestStart) <= end + 24 * 3_600_000),
      { strategy: 'westwind', objective: 'green', forecastError: 0, seed: 1 },
    );
    const startOf = new Map(jobs.map((j) => [j.id, Date.parse(j.earliestStart)]));
    const started = outcome.jobs.filter((j) => j.start !== undefined);
    expect(started.length).toBeGreaterThan(30);
    expect(started.filter((j) => Date.parse(j.start!) < startOf.get(j.id)!)).toEqual([]);
  }, 180_000);
});
