import type { Queue } from 'bullmq';
import { Environment } from '../config/environment.js';
import type { DispatchQueues } from '../execution/dispatch-queues.js';
import type { OverviewService } from '../overview/overview.service.js';
import { Metrics } from './metrics.js';
import { MetricsService } from './metrics.service.js';

/** What the scrape reads from Redis, stood in for: three queued jobs, nothing planned. */
const overview = {
  overview: () =>
    Promise.resolve({
      jobsByState: { queued: 3 },
      energy: {},
      deadlineRisk: { count: 0, lateRisk: { threshold: 0.1, count: 0 } },
    }),
} as unknown as OverviewService;
const noDispatchQueues = { all: () => [] } as unknown as DispatchQueues;
const planningQueue = { exportPrometheusMetrics: () => Promise.resolve('') } as unknown as Queue;

describe('the metrics port (METRICS_PORT)', () => {
  const started: MetricsService[] = [];
  afterEach(async () => {
    for (const service of started.splice(0)) await service.onApplicationShutdown();
  });

  async function startOn(port: number): Promise<MetricsService> {
    const env = Object.assign(new Environment(), { METRICS_PORT: port });
    const service = new MetricsService(new Metrics(), overview, noDispatchQueues, planningQueue, env);
    started.push(service);
    await service.onApplicationBootstrap();
    return service;
  }

  it('takes 0: listens on a port the kernel chose, tells which, and serves /metrics there', async () => {
    const service = await startOn(0);
    expect(service.port).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${service.port}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^westwind_jobs\{state="queued"\} 3$/m);
  });

  it('fails start-up on a port already in use, naming the port, instead of waiting for ever', async () => {
    const taken = (await startOn(0)).port!;
    await expect(startOn(taken)).rejects.toThrow(
      `METRICS_PORT: port ${taken} on 127.0.0.1 is already in use (EADDRINUSE): free it, or choose another port`,
    );
  });
});
