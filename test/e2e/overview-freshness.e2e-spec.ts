import { firstValueFrom } from 'rxjs';
import { filter } from 'rxjs/operators';
import { OverviewService } from '../../src/overview/overview.service.js';
import { PlanningService } from '../../src/planning/planning.service.js';
import { ChangeFeed } from '../../src/redis/change-feed.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('the overview after a change: never the reading from before it', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t?.close());

  it('a plan stored just after a reading is in the next one, however soon (pages refresh on the change)', async () => {
    const overview = t.app.get(OverviewService);
    // Read before any plan: the reading several asking within a second would share.
    expect((await overview.overview()).plan).toBeNull();
    // The change as a watcher (the dashboard's event stream) hears it, after the overview has.
    const heard = firstValueFrom(t.app.get(ChangeFeed).changes.pipe(filter((change) => change.kind === 'plan')));
    const { version } = await t.app.get(PlanningService).replan('the test asks');
    await heard;
    expect((await overview.overview()).plan?.version).toBe(version);
  });
});
