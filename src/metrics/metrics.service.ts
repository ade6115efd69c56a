import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { createServer, Server } from 'node:http';
import { Gauge } from 'prom-client';
import { ConfigError } from '../config/config-error.js';
import { Environment } from '../config/environment.js';
import { DispatchQueues } from '../execution/dispatch-queues.js';
import { OverviewService } from '../overview/overview.service.js';
import { PLANNING_QUEUE } from '../planning/planning.constants.js';
import { Metrics } from './metrics.js';

/**
 * Everything GET /metrics shows: this process's instruments, plus what every instance shares and
 * reads from Redis at scrape time — jobs by state, energy, the plan, and each queue's depth in
 * BullMQ's own export. Shared figures are the same from every instance: aggregate them with
 * max(), not sum().
 */
@Injectable()
export class MetricsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server?: Server;

  constructor(
    private readonly metrics: Metrics,
    private readonly overview: OverviewService,
    private readonly dispatchQueues: DispatchQueues,
    @InjectQueue(PLANNING_QUEUE) private readonly planningQueue: Queue,
    private readonly env: Environment,
  ) {
    const registers = [metrics.registry];
    const read = () => this.overview.overview();
    new Gauge({
      name: 'westwind_jobs',
      help: 'Jobs by state, all tenants',
      labelNames: ['state'],
      registers,
      async collect() {
        for (const [state, count] of Object.entries((await read()).jobsByState)) this.set({ state }, count);
      },
    });
    new Gauge({
      name: 'westwind_energy_mwh',
      help:
        'AI energy by source: metered from actual runs over the signal retention window, ' +
        'planned for the horizon, and fifo for the same jobs',
      labelNames: ['period', 'source'],
      registers,
      async collect() {
        const { energy } = await read();
        for (const [period, figures] of Object.entries({
          metered: energy.metered,
          planned: energy.planned,
          fifo: energy.fifo,
        })) {
          if (!figures) continue;
          this.set({ period, source: 'green' }, figures.greenMwh);
          this.set({ period, source: 'grid' }, figures.gridMwh);
          this.set({ period, source: 'peak_grid' }, figures.peakGridMwh);
        }
      },
    });
    new Gauge({
      name: 'westwind_deadline_risk_jobs',
      help: 'Unfinished jobs the current plan finishes after their deadline',
      registers,
      async collect() {
        this.set((await read()).deadlineRisk.count);
      },
    });
    new Gauge({
      name: 'westwind_late_risk_jobs',
      help:
        'Unfinished jobs whose plan gives them at least `at_least` chance of finishing after their deadline ' +
        '(peaks the load forecast may have wrong), those planned late included',
      labelNames: ['at_least'],
      registers,
      async collect() {
        const { lateRisk } = (await read()).deadlineRisk;
        this.set({ at_least: String(lateRisk.threshold) }, lateRisk.count);
      },
    });
    new Gauge({
      name: 'westwind_plan_version',
      help: 'Version of the current plan (increases with every re-plan)',
      registers,
      async collect() {
        this.set((await read()).plan?.version ?? 0);
      },
    });
  }

  /** The exposition text: the registry, then the queues' own BullMQ export merged into one family each. */
  async exposition(): Promise<string> {
    const queues = [this.planningQueue, ...this.dispatchQueues.all()];
    const [own, ...exports] = await Promise.all([
      this.metrics.registry.metrics(),
      ...queues.map((q) => q.exportPrometheusMetrics()),
    ]);
    return `${own}\n${mergeFamilies(exports)}\n`;
  }

  get contentType(): string {
    return this.metrics.registry.contentType;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.env.METRICS_PORT === undefined) return;
    this.server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') return void res.writeHead(404).end();
      this.exposition().then(
        (text) => res.writeHead(200, { 'Content-Type': this.contentType }).end(text),
        (error: Error) =>
          res.writeHead(503, { 'Content-Type': 'text/plain' }).end(`metrics unavailable: ${error.message}\n`),
      );
    });
    await listen(this.server, this.env.METRICS_PORT, this.env.METRICS_HOST);
    this.logger.log(`metrics on http://${this.env.METRICS_HOST}:${this.port}/metrics`);
  }

  /** The port the metrics server listens on (METRICS_PORT=0: the one the kernel chose), if it does. */
  get port(): number | undefined {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}

/**
 * Listens, or fails start-up with the port and why: a listen error arrives as an 'error' event, never
 * through listen's callback, and unhandled it crashed the process with a stack trace instead.
 */
function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EADDRINUSE'
          ? `port ${port} on ${host} is already in use (EADDRINUSE): free it, or choose another port`
          : `cannot listen on port ${port} on ${host}: ${error.message}`;
      reject(new ConfigError('environment', [{ field: 'METRICS_PORT', message: why }]));
    };
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
}

/**
 * BullMQ exports each queue with its own HELP and TYPE lines; one exposition may name a family
 * only once, so the queues' samples are gathered under a single header per family.
 */
export function mergeFamilies(exports: readonly string[]): string {
  const headers = new Map<string, string[]>();
  const samples = new Map<string, string[]>();
  for (const line of exports.flatMap((text) => text.split('\n')).filter(Boolean)) {
    const header = /^# (HELP|TYPE) (\S+)/.exec(line);
    const family = header ? header[2] : line.split(/[{\s]/)[0];
    if (!samples.has(family)) {
      headers.set(family, []);
      samples.set(family, []);
    }
    if (header) {
      if (!headers.get(family)!.some((h) => h.startsWith(`# ${header[1]} `))) headers.get(family)!.push(line);
    } else samples.get(family)!.push(line);
  }
  return [...samples.keys()].map((family) => [...headers.get(family)!, ...samples.get(family)!].join('\n')).join('\n');
}
