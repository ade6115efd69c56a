// The planner's thread (PlanThread): plans each input it is sent, one at a time, and answers with the plan.
import { parentPort } from 'node:worker_threads';
import { plan } from '../domain/planner/plan.js';
import { deferrableJobs, guideIsCurrent, solveGuide, type SolvedGuide } from '../domain/planner/plan-guide.js';
import type { Plan, PlanInput } from '../domain/planner/plan-types.js';
import { planInputFromMessage, type PlanInputMessage } from './plan-transfer.js';

/** HiGHS's time for the guide's LP; past it the re-plans go unguided until the guide is due again. */
const GUIDE_SOLVE_SECONDS = 10;

/** The guide solved last, for the re-plans of the same plan hour. */
let solved: SolvedGuide | undefined;
let previous: Promise<void> = Promise.resolve();

async function planned(input: PlanInput, guideMaxJobs: number): Promise<Plan> {
  const deferrable = deferrableJobs(input);
  if (deferrable === 0 || deferrable > guideMaxJobs) return plan(input);
  if (!guideIsCurrent(solved, input)) solved = await solveGuide(input, GUIDE_SOLVE_SECONDS);
  return plan(solved.guide ? { ...input, guide: solved.guide } : input);
}

parentPort!.on(
  'message',
  ({ id, input, guideMaxJobs }: { id: number; input: PlanInputMessage; guideMaxJobs: number }) => {
    // The guide's LP is awaited: the next message waits for this one's answer.
    previous = previous.then(async () => {
      try {
        parentPort!.postMessage({ id, plan: await planned(planInputFromMessage(input), guideMaxJobs) });
      } catch (error) {
        parentPort!.postMessage({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      }
    });
  },
);
