// Until the dashboard imports src/plans (its own commit).
export { PlansModule as PlanStoreModule } from '../plans/plans.module.js';
