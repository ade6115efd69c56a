// The planner's threads (PlanThread): plan each input they are sent, one at a time, whole or one of its starts, and
// answer with the plan.
import { plan, planStart, type PlanStart } from '../domain/planner/plan.js';
import { planInputFromMessage, type PlanInputMessage } from './plan-transfer.js';
import { answerRequests } from './worker-thread.js';

/** What a planner thread is asked: a plan of `input`, or only one of its starts. */
export interface PlanRequest {
  input: PlanInputMessage;
  start?: PlanStart;
}

answerRequests(({ input, start }: PlanRequest) => {
  const given = planInputFromMessage(input);
  return start ? planStart(given, start) : plan(given);
});
