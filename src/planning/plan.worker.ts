// The planner's thread (PlanThread): plans each input it is sent, one at a time, and answers with the plan.
import { plan } from '../domain/planner/plan.js';
import { planInputFromMessage, type PlanInputMessage } from './plan-transfer.js';
import { answerRequests } from './worker-thread.js';

answerRequests((input: PlanInputMessage) => plan(planInputFromMessage(input)));
