// The price guide's thread (PlanThread): solves the LP for each input it is sent, one at a time.
import { solveGuide } from '../domain/planner/plan-guide.js';
import { planInputFromMessage, type PlanInputMessage } from './plan-transfer.js';
import { answerRequests } from './worker-thread.js';

export interface GuideRequest {
  input: PlanInputMessage;
  solveSeconds: number;
  realMs: number;
}

answerRequests(({ input, solveSeconds, realMs }: GuideRequest) =>
  solveGuide(planInputFromMessage(input), solveSeconds, realMs),
);
