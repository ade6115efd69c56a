import { DateTime } from 'luxon';
import { virtualClock } from '../../src/domain/time/clock.js';
import { getJob, submit, testConfigWith, until } from '../support/execution.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { untilNextHour } from '../support/virtual-time.js';

const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });

describe('a job whose dataset must travel to its site (virtual clock, one hour per six seconds)', () => {
  const clock = virtualClock(utc('2026-03-02T01:20:00Z'), 600);
  let t: TestApp;
  beforeAll(async () => {
    // 45 GB over 100 Gbit/s: at west-hub 3.6 s after submission.
    const configPath = testConfigWith(
      (config) => (config.dataRegions = [{ id: 'shanghai', linksGbps: { 'west-hub': 100 } }]),
    );
    t = await startTestApp({ clock, configPath, roles: 'api,planner,dispatch' });
  });
  afterAll(() => t.close());

  it('starts in the first whole hour after its data has arrived, not an hour later at every re-plan', async () => {
    const http = t.app.getHttpServer();
    // Submitted as an hour H begins (whichever hour start-up reached), with that hour's re-plan, and
    // the whole hour (6 real seconds) ahead before the first it may start in.
    const hour = await untilNextHour(clock);
    const id = await submit(http, {
      name: 'remote-data',
      runtimeHours: 1,
      deadline: hour.plus({ hours: 6 }).toISO(),
      deferrable: false,
      sites: ['west-hub'],
      dataRegion: 'shanghai',
      datasetGb: 45,
    });
    const running = await until(
      () => getJob(http, id),
      (job) => job.state === 'running',
      30_000,
    );
    const submittedIn = utc(running.submittedAt).startOf('hour');
    const startedAt = utc(running.history.find((h: { to: string }) => h.to === 'running').at);
    // Planned from H + 1 (hour H had begun); counted afresh from each re-plan the wait never ended
    // (H + 2 at H + 1's re-plan, and so on). Before H + 2: six real seconds for the tick, re-plan and dispatch.
    const hoursAfter = startedAt.diff(submittedIn, 'hours').hours;
    expect(hoursAfter).toBeGreaterThanOrEqual(1);
    expect(hoursAfter).toBeLessThan(2);
  }, 45_000);
});
