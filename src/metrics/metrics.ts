import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * The service's Prometheus instruments, in one registry per app (tests start several apps in one
 * process). Instruments measured in this process live here; what is read from Redis at scrape
 * time (jobs by state, energy, queue depths) is collected by MetricsService.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly httpSeconds = new Histogram({
    name: 'westwind_http_request_duration_seconds',
    help: 'HTTP requests served by this process, by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly replanSeconds = new Histogram({
    name: 'westwind_replan_duration_seconds',
    help: 'Re-plans run by this process: plan, store, mark scheduled and dispatch',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly planFollows = new Counter({
    name: 'westwind_plan_followed_total',
    help: "Hours into which this process followed the stored plan because the hour's re-plan was late",
    registers: [this.registry],
  });

  readonly gpuWaits = new Counter({
    name: 'westwind_dispatch_gpu_waits_total',
    help:
      'Starts and resumes this process held back because their site had no GPUs free for them yet ' +
      '(they wait for the pause that frees them); each look counts',
    labelNames: ['site'] as const,
    registers: [this.registry],
  });

  readonly webhookRequests = new Counter({
    name: 'westwind_webhook_requests_total',
    help: 'Grid signals received (signed forecast webhooks, OpenADR, operator CSV), accepted or refused, by reason',
    labelNames: ['endpoint', 'outcome', 'reason'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'westwind_' });
  }
}
