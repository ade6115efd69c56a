// The planner's thread (PlanThread): plans each input it is sent, one at a time, and answers with the plan.
import { parentPort } from 'node:worker_threads';
import { GuidedPlanner, type GuideLimits } from '../domain/planner/plan-guide.js';
import { planInputFromMessage, type PlanInputMessage } from './plan-transfer.js';

/** The guide solved last is kept for the re-plans after it (see SolvedGuide). */
const planner = new GuidedPlanner();
let previous: Promise<void> = Promise.resolve();

parentPort!.on('message', ({ id, input, guide }: { id: number; input: PlanInputMessage; guide: GuideLimits }) => {
  // The guide's LP is awaited: the next message waits for this one's answer.
  previous = previous.then(async () => {
    try {
      // Real time, not the service clock: the guide's solves are paced by what they cost.
      const plan = await planner.plan(planInputFromMessage(input), guide, Date.now());
      parentPort!.postMessage({ id, plan });
    } catch (error) {
      parentPort!.postMessage({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  });
});
