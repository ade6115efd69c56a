import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Subject } from 'rxjs';
import { WestwindConfig } from '../config/westwind-config.js';
import { betterPlan, secondStartRuns } from '../domain/planner/plan.js';
import { GuideKeeper, type SolvedGuide } from '../domain/planner/plan-guide.js';
import type { Plan, PlanInput } from '../domain/planner/plan-types.js';
import type { GuideRequest } from './guide.worker.js';
import type { PlanRequest } from './plan.worker.js';
import { planInputMessage } from './plan-transfer.js';
import { WorkerThread } from './worker-thread.js';

/**
 * Runs `plan()` on a worker thread, so a re-plan (seconds for a few hundred jobs on a loaded 2-core
 * machine: the search's budget) does not hold the event loop: requests, dispatch and Redis replies
 * go on meanwhile (a 10 s block made request-path Redis commands time out in a CI run). Plans are
 * taken one at a time in order. A plan from scratch runs its two starts (greedy and fifo) on two threads at once and
 * keeps the better, as `plan()` does one after the other: the same plan, but on this project's 2-core machine no
 * sooner (the reference week, session 35: 1.8 s on one thread; the starts alone 1.2–1.4 s and 0.6–0.9 s, at once
 * 1.5–2.4 s — they slow each other); a machine whose cores do not contend gets the longer start's time.
 *
 * The LP's price guide (`planner.priceGuideMaxJobs`) is solved on a second thread in the background:
 * re-plans go on with the guide there is (none at first) while the next is solved, and `guideSolved`
 * says when one is kept, so the planning loop can re-plan with it.
 */
@Injectable()
export class PlanThread implements OnModuleDestroy {
  private readonly logger = new Logger('Planning');
  private readonly planner = new WorkerThread<PlanRequest, Plan>('plan.worker');
  private readonly secondStart = new WorkerThread<PlanRequest, Plan>('plan.worker');
  private readonly guideSolver = new WorkerThread<GuideRequest, SolvedGuide>('guide.worker');
  private readonly solvedGuides = new Subject<void>();
  /** Emits each time a price guide has been solved and kept (or given up on) for the re-plans after it. */
  readonly guideSolved = this.solvedGuides.asObservable();
  private readonly guides = new GuideKeeper(
    (input, solveSeconds, realMs) => this.solveGuide(input, solveSeconds, realMs),
    {
      background: true,
      onKept: () => this.solvedGuides.next(),
    },
  );
  private stopping = false;

  constructor(private readonly config: WestwindConfig) {}

  async plan(input: PlanInput): Promise<Plan> {
    const { priceGuideMaxJobs: maxJobs, priceGuideSolveSeconds: solveSeconds } = this.config.planner;
    // Real time, not the service clock: the guide's solves are paced by what they cost.
    const guide = await this.guides.guideFor(input, { maxJobs, solveSeconds }, Date.now());
    const given = guide ? { ...input, guide } : input;
    const message = planInputMessage(given);
    if (!secondStartRuns(given)) return this.planner.request({ input: message });
    const [first, second] = await Promise.all([
      this.planner.request({ input: message, start: 'greedy' }),
      this.secondStart.request({ input: message, start: 'fifo' }),
    ]);
    return betterPlan(given, first, second);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.solvedGuides.complete();
    await Promise.all([this.planner.stop(), this.secondStart.stop(), this.guideSolver.stop()]);
  }

  private async solveGuide(input: PlanInput, solveSeconds: number, realMs: number): Promise<SolvedGuide> {
    try {
      return await this.guideSolver.request({ input: planInputMessage(input), solveSeconds, realMs });
    } catch (error) {
      // A solve cut short by shutdown is no news.
      if (!this.stopping) this.logger.warn(`price guide not solved: ${(error as Error).message}`);
      throw error;
    }
  }
}
