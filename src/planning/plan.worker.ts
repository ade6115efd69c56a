// The planner's thread (PlanThread): plans each input it is sent, one at a time, and answers with the plan.
import { parentPort } from 'node:worker_threads';
import { plan } from '../domain/planner/plan.js';
import { deferrableJobs, guideFor, guideIsDue, solveGuide, type SolvedGuide } from '../domain/planner/plan-guide.js';
import type { Plan, PlanInput } from '../domain/planner/plan-types.js';
import { planInputFromMessage, type PlanInputMessage } from './plan-transfer.js';

/** HiGHS's time for the guide's LP; past it the re-plans go unguided until the guide is due again. */
const GUIDE_SOLVE_SECONDS = 10;

/** The guide solved last, for the re-plans after it (see SolvedGuide). */
let solved: SolvedGuide | undefined;
let previous: Promise<void> = Promise.resolve();

async function planned(input: PlanInput, guideMaxJobs: number): Promise<Plan> {
  const deferrable = deferrableJobs(input);
  if (deferrable === 0 || deferrable > guideMaxJobs) return plan(input);
  // Real time, not the service clock: the guide's solves are paced by what they cost.
  if (guideIsDue(solved, input, Date.now())) solved = await solveGuide(input, GUIDE_SOLVE_SECONDS, Date.now());
  const guide = guideFor(solved!, input);
  return plan(guide ? { ...input, guide } : input);
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
