import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import { WestwindConfig } from '../config/westwind-config.js';
import type { Plan, PlanInput } from '../domain/planner/plan-types.js';
import { planInputMessage } from './plan-transfer.js';

/**
 * Runs `plan()` on a worker thread, so a re-plan (seconds for a few hundred jobs on a loaded 2-core
 * machine: the search's budget) does not hold the event loop: requests, dispatch and Redis replies
 * go on meanwhile (a 10 s block made request-path Redis commands time out in a CI run). The thread
 * also keeps the LP's price guide between re-plans (`planner.priceGuideMaxJobs`). One thread,
 * started on first use and kept; plans are taken one at a time in order. Built, the thread loads
 * plan.worker.js beside this file; from TypeScript sources (tests, `tsx`) it registers tsx first.
 */
@Injectable()
export class PlanThread implements OnModuleDestroy {
  private worker?: Worker;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (plan: Plan) => void; reject: (error: Error) => void }>();

  constructor(private readonly config: WestwindConfig) {}

  plan(input: PlanInput): Promise<Plan> {
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    return new Promise<Plan>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const { priceGuideMaxJobs: maxJobs, priceGuideSolveSeconds: solveSeconds } = this.config.planner;
      worker.postMessage({ id, input: planInputMessage(input), guide: { maxJobs, solveSeconds } });
    });
  }

  async onModuleDestroy(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private start(): Worker {
    const fromSources = import.meta.url.endsWith('.ts');
    const entry = new URL(`./plan.worker.${fromSources ? 'ts' : 'js'}`, import.meta.url);
    const worker = fromSources
      ? new Worker(
          `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`,
          { eval: true },
        )
      : new Worker(entry);
    worker.on('message', ({ id, plan, error }: { id: number; plan?: Plan; error?: string }) => {
      const waiting = this.waiting.get(id);
      this.waiting.delete(id);
      if (error !== undefined) waiting?.reject(new Error(`planner thread: ${error}`));
      else waiting?.resolve(plan!);
    });
    // A thread that dies fails what it held; the next plan starts a new one.
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const { reject } of this.waiting.values()) reject(error);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`planner thread exited (${code})`)));
    worker.unref();
    return worker;
  }
}
