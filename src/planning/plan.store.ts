// Until the dashboard imports src/plans (its own commit).
export { PlanRepository as PlanStore, type Baseline, type PlanMeta } from '../plans/plan.repository.js';
