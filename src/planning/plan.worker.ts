// The planner's thread (PlanThread): plans each input it is sent and answers with the plan.
import { parentPort } from 'node:worker_threads';
import { plan } from '../domain/planner/plan.js';
import { planInputFromMessage, type PlanInputMessage } from './plan-transfer.js';

parentPort!.on('message', ({ id, input }: { id: number; input: PlanInputMessage }) => {
  try {
    parentPort!.postMessage({ id, plan: plan(planInputFromMessage(input)) });
  } catch (error) {
    parentPort!.postMessage({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
