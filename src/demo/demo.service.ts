import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { DateTime } from 'luxon';
import { CLOCK } from '../config/config.module.js';
import { DemoConfig, WestwindConfig } from '../config/westwind-config.js';
import { GridReplay } from '../datasets/grid-replay.js';
import { readItpTrace, type TraceJob } from '../datasets/itp-trace.js';
import { seededRandom } from '../domain/seeded-random.js';
import { sampleJob } from '../datasets/sample-jobs.js';
import type { Clock } from '../domain/time/clock.js';
import { formatInstant } from '../domain/time/instant.js';
import { JobsService } from '../jobs/jobs.service.js';
import { SignalsService } from '../signals/signals.service.js';
import { HOUR_MS } from '../domain/time/hours.js';

const TRACE_FILE = 'data/itp-traces/cluster04.csv';
/** Each replayed forecast covers this many hours ahead, and is renewed every FORECAST_EVERY_HOURS. */
const FORECAST_HOURS = 48;
const FORECAST_EVERY_HOURS = 6;

/**
 * The self-running demo: every simulated hour the demo tenant submits sample jobs, and every six
 * the grid desks "send" the next 48 hours of forecasts, replayed from real 2019 data. It goes
 * through the same services as the HTTP API, so the plan, dispatch and dashboard are the real ones.
 */
@Injectable()
export class DemoService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Demo');
  private readonly random = seededRandom(2019);
  private replay?: GridReplay;
  private trace: TraceJob[] = [];
  private timer?: NodeJS.Timeout;
  private hoursRun = 0;

  constructor(
    private readonly demo: DemoConfig,
    private readonly signals: SignalsService,
    private readonly jobs: JobsService,
    private readonly config: WestwindConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.replay = new GridReplay();
    this.trace = readItpTrace(TRACE_FILE);
    await this.sendForecasts(this.clock.now());
    this.logger.log(
      `demo running from ${formatInstant(this.clock.now())} at ${this.demo.speed}×: ` +
        `zones replay ${JSON.stringify(this.demo.replay)}`,
    );
    this.timer = setInterval(() => void this.hour(), HOUR_MS / this.demo.speed);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * One simulated hour of the demo: forecasts every FORECAST_EVERY_HOURS, then the hour's jobs. Its timer calls it on
   * the running clock; a test that steps the clock calls it at each hour.
   */
  async hour(): Promise<void> {
    const now = this.clock.now();
    this.hoursRun += 1;
    try {
      if (this.hoursRun % FORECAST_EVERY_HOURS === 0) await this.sendForecasts(now);
      await this.submitJobs(now);
    } catch (error) {
      this.logger.warn(`demo hour skipped: ${(error as Error).message}`);
    }
  }

  private async sendForecasts(now: DateTime): Promise<void> {
    const from = now.startOf('hour');
    for (const zone of this.config.zones) {
      const area = this.demo.replay[zone.id];
      if (!area) continue;
      const points = this.replay!.points(area, zone.timeZone, from, FORECAST_HOURS);
      await this.signals.acceptForecast(
        { zone: zone.id, issuedAt: formatInstant(now), resolution: 'PT1H', points },
        `demo replay of ${area} 2019`,
      );
    }
  }

  private async submitJobs(now: DateTime): Promise<void> {
    const regions = this.config.dataRegions.map((r) => r.id);
    for (let i = 0; i < this.demo.jobsPerHour; i++) {
      // A sample the plan cannot fit by its deadline is refused (422), as it would be over HTTP.
      await this.jobs
        .submit(this.demo.tenant, sampleJob(this.trace, this.random, now, regions, this.demo.gpuScale))
        .catch(() => undefined);
    }
  }
}
