import { Controller, Get, Header, Inject, type MessageEvent, Param, Query, Res, Sse, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { bufferTime, filter, interval, map, merge, Observable } from 'rxjs';
import { OperatorPageGuard } from '../auth/api-key.guard.js';
import { ProblemException } from '../common/problem.js';
import { CLOCK } from '../config/config.module.js';
import type { Clock } from '../domain/time/clock.js';
import { formatInstant } from '../domain/time/instant.js';
import { JobsRepository } from '../jobs/jobs.repository.js';
import { checkedJobId, jobNotFound } from '../common/job-errors.js';
import { GridEventsService, type GridEventList } from '../overview/grid-events.service.js';
import { JobRow, Overview, OverviewService } from '../overview/overview.service.js';
import { PlanRepository } from '../plans/plan.repository.js';
import { Change, ChangeFeed } from '../redis/change-feed.js';
import type { ZoneDto } from '../signals/dto/zone-signals.dto.js';
import { SignalsService } from '../signals/signals.service.js';
import { JobRowsQueryDto } from './dto/job-rows-query.dto.js';

const resolve = createRequire(import.meta.url).resolve;
const asset = (path: string | URL, type: string) => ({ body: readFileSync(path), type });

/** The page and its files, read once: the dashboard's own, and uPlot from its npm package (no CDN). */
const ASSETS: Record<string, { body: Buffer; type: string }> = {
  'dashboard.js': asset(new URL('./public/dashboard.js', import.meta.url), 'text/javascript'),
  'dashboard.css': asset(new URL('./public/dashboard.css', import.meta.url), 'text/css'),
  'uPlot.iife.min.js': asset(resolve('uplot/dist/uPlot.iife.min.js'), 'text/javascript'),
  'uPlot.min.css': asset(resolve('uplot/dist/uPlot.min.css'), 'text/css'),
};
const PAGE = readFileSync(new URL('./public/index.html', import.meta.url));

/** Browsers may run only this origin's scripts on the page, and nobody may frame it. */
const PAGE_SECURITY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Changes reach watchers in batches this far apart: a burst of job updates becomes one redraw. */
const CHANGE_BATCH_MS = 250;
/** Job ids named in one batch, at most (the page re-reads everything anyway). */
const CHANGE_BATCH_JOBS = 100;
/** Keeps idle event streams open through proxies that close quiet connections. */
const HEARTBEAT_MS = 15_000;

/**
 * The operators' dashboard at `/`: the page, its data (overview, jobs table, one job's timeline)
 * and a Server-Sent Events stream that says when the plan or a job changed. Operators only.
 */
@ApiExcludeController()
@UseGuards(OperatorPageGuard)
@Controller()
export class DashboardController {
  constructor(
    private readonly overview: OverviewService,
    private readonly gridEvents: GridEventsService,
    private readonly jobs: JobsRepository,
    private readonly plans: PlanRepository,
    private readonly feed: ChangeFeed,
    private readonly signals: SignalsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @Header('Content-Security-Policy', PAGE_SECURITY)
  @Header('X-Frame-Options', 'DENY')
  @Header('Referrer-Policy', 'no-referrer')
  @Header('Cache-Control', 'no-cache')
  page(@Res() res: Response): void {
    res.type('html').send(PAGE);
  }

  @Get('dashboard/assets/:file')
  @Header('Cache-Control', 'no-cache')
  @Header('X-Content-Type-Options', 'nosniff')
  file(@Param('file') name: string, @Res() res: Response): void {
    const found = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!found) throw ProblemException.of(404, 'not-found', 'Not found', `No dashboard file ${name}.`);
    res.type(found.type).send(found.body);
  }

  @Get('dashboard/api/overview')
  @Header('Cache-Control', 'no-store')
  getOverview(): Promise<Overview> {
    return this.overview.overview();
  }

  /** The zones as GET /v1/zones shows them: forecast coverage, providers' status, forecast error by lead time. */
  @Get('dashboard/api/zones')
  @Header('Cache-Control', 'no-store')
  zones(): Promise<ZoneDto[]> {
    return this.signals.listZones();
  }

  /** Grid events to come, in force and ended in the last day, each with its curtailment report. */
  @Get('dashboard/api/events')
  @Header('Cache-Control', 'no-store')
  events(): Promise<GridEventList> {
    return this.gridEvents.events();
  }

  @Get('dashboard/api/jobs')
  @Header('Cache-Control', 'no-store')
  async jobRows(@Query() query: JobRowsQueryDto): Promise<{ items: JobRow[] }> {
    return { items: await this.overview.jobRows(query) };
  }

  /** One job of any tenant, with its part of the current plan: the timeline's planned and actual segments. */
  @Get('dashboard/api/jobs/:id')
  @Header('Cache-Control', 'no-store')
  async job(@Param('id') id: string) {
    const [job, plan] = await Promise.all([this.jobs.get(checkedJobId(id, '')), this.plans.jobPlan(id)]);
    if (!job) throw jobNotFound(id, '');
    return { job, plan: plan ?? null, now: formatInstant(this.clock.now()) };
  }

  @Sse('dashboard/events')
  changes(): Observable<MessageEvent> {
    return merge(
      this.feed.changes.pipe(
        bufferTime(CHANGE_BATCH_MS),
        filter((batch) => batch.length > 0),
        map((batch) => ({ type: 'change', data: summarise(batch) })),
      ),
      interval(HEARTBEAT_MS).pipe(map(() => ({ type: 'heartbeat', data: {} }))),
    );
  }
}

/** A batch of changes as one event: the newest plan version, and which jobs changed. */
function summarise(batch: readonly Change[]): { planVersion?: number; jobs: string[]; moreJobs: boolean } {
  const plans = batch.flatMap((c) => (c.kind === 'plan' ? [c.version] : []));
  const jobs = [...new Set(batch.flatMap((c) => (c.kind === 'job' ? [c.id] : [])))];
  return {
    planVersion: plans.length > 0 ? Math.max(...plans) : undefined,
    jobs: jobs.slice(0, CHANGE_BATCH_JOBS),
    moreJobs: jobs.length > CHANGE_BATCH_JOBS,
  };
}
