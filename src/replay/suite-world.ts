import { DateTime } from 'luxon';
import { SiteConfig, ZoneConfig } from '../config/westwind-config.js';
import { readItpTrace } from '../datasets/itp-trace.js';
import { readOpsdZones } from '../datasets/opsd.js';
import { SUITE, SUITE_FROM, SuiteSpec, suiteInstance } from '../datasets/planning-instance.js';
import { admitJob } from '../domain/jobs/job-admission.js';
import type { Job } from '../domain/jobs/job.js';
import type { HourSignal } from '../domain/signals/forecast.js';
import { HOUR_MS } from '../domain/time/hours.js';
import type { ReplayWorld } from './rolling-replay.js';

/**
 * A planner-benchmark instance (src/datasets/planning-instance.ts, docs/planner-benchmark.md) as the
 * rolling replay takes it: each OPSD zone with the instance's peak rule (Europe/Berlin), its site
 * with the instance's GPUs and supply contract, the actual series, and the jobs admitted at their
 * submission as `POST /v1/jobs` would. `reference` from 7 March 2019 is the benchmark's
 * `reference-replay` week.
 */
export function suiteReplayWorld(
  spec: SuiteSpec = SUITE[0],
  from = DateTime.fromISO(SUITE_FROM, { zone: 'utc' }),
  tracePath = 'data/itp-traces/cluster04.csv',
  announcedHours = 0,
): { world: ReplayWorld; jobs: Job[] } {
  return replayWorldOf(spec, suiteInstance(spec, readOpsdZones, from, readItpTrace(tracePath)), announcedHours);
}

/**
 * A built instance of `spec` as the rolling replay takes it (see `suiteReplayWorld`). With `announcedHours`, each job
 * is submitted that many hours ahead with its trace submission as its `earliestStart`, as a user who announces a run
 * does: the planner knows it that much sooner; it starts no earlier.
 */
export function replayWorldOf(
  spec: SuiteSpec,
  { input, zones, contracts }: Pick<ReturnType<typeof suiteInstance>, 'input' | 'zones' | 'contracts'>,
  announcedHours = 0,
): { world: ReplayWorld; jobs: Job[] } {
  const zoneOfSite = new Map(input.sites.map((site, k) => [site.id, zones[k]]));
  const config = {
    zones: zones.map((opsd) =>
      Object.assign(new ZoneConfig(), { id: opsd.zone, timeZone: 'Europe/Berlin', peak: spec.peak }),
    ),
    sites: input.sites.map(({ id, gpus, kwPerGpu, pue }, k) =>
      Object.assign(new SiteConfig(), {
        id,
        zone: zoneOfSite.get(id)!.zone,
        gpus,
        kwPerGpu,
        pue,
        supply: contracts[k],
      }),
    ),
    dataRegions: [],
  };
  const seriesOf = (opsd: (typeof zones)[number]) => {
    const values: HourSignal[] = [];
    for (let h = 0; h < input.hours; h++)
      values.push({
        hour: input.start.toMillis() + h * HOUR_MS,
        windMw: opsd.windMw[h],
        solarMw: opsd.solarMw[h],
        loadMw: opsd.loadMw[h],
      });
    return { start: input.start, hours: input.hours, values };
  };
  const jobs = input.jobs.map((planned) => {
    const { job, problems } = admitJob(
      {
        name: planned.id,
        gpus: planned.gpus,
        runtimeHours: planned.remainingHours,
        deadline: planned.deadline.toISO()!,
        deferrable: planned.deferrable,
        interruptible: planned.interruptible,
        checkpointMinutes: planned.checkpointMinutes,
        priority: planned.priority,
        power: planned.power,
        ...(announcedHours > 0 && { earliestStart: planned.earliestStart.toISO()! }),
      },
      config,
      { id: planned.id, tenant: 'bench' },
      planned.earliestStart.minus({ hours: announcedHours }),
    );
    if (!job) throw new Error(`${planned.id} is not admitted: ${JSON.stringify(problems)}`);
    return job;
  });
  return {
    world: {
      config,
      signals: {
        start: input.start,
        hours: input.hours,
        zones: new Map(zones.map((opsd) => [opsd.zone, seriesOf(opsd)])),
      },
    },
    jobs,
  };
}
