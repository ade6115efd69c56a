/**
 * Each site has its own dispatch queue, so a slow or failing site delays only its own actions.
 * BullMQ jobs on it are named after the action (start, pause, resume, cancel).
 */
export function dispatchQueueName(site: string): string {
  return `dispatch-${site}`;
}

/** A dispatch action that must wait (another action on the job is in flight) looks again after this. */
export const DISPATCH_RECHECK_MS = 250;
/**
 * A start or resume waiting for GPUs at its site looks again after this: the pause that frees them
 * is usually one site round trip away (a plan’s pauses go into a site’s queue before its starts).
 */
export const ROOM_RECHECK_MS = 50;
/** … for this long after the action was sent (ms); after that, DISPATCH_RECHECK_MS. */
export const ROOM_RECHECK_FOR_MS = 1_000;
/**
 * Into a new hour, actions of a plan made in an earlier hour wait this long (service minutes) for
 * the new hour's re-plan, which decides that hour: acting on the old plan first paused jobs the
 * new plan resumed minutes later. Past it (no planner about), the old plan is followed.
 */
export const STALE_PLAN_GRACE_MINUTES = 10;

/** A progress report this far from where the plan expects the job (hours) asks for a re-plan. */
export const OFF_PLAN_HOURS = 0.25;

/**
 * The queue whose job scheduler has the stored plan followed into each new hour, STALE_PLAN_GRACE_MINUTES after it
 * begins, when that hour's re-plan has not come by then (PlanFollower).
 */
export const PLAN_FOLLOW_QUEUE = 'plan-follow';
export const PLAN_FOLLOW_SCHEDULER = 'plan-follow';
export const PLAN_FOLLOW_JOB = 'follow-plan';
/**
 * The plan follower also waits until the stored plan is this old in real time (ms): a re-plan that is merely slow (a
 * 5,000-job plan takes up to 2 s, and re-plans start at least 250 ms apart) is waited for. On the demo's 2,880× clock
 * 10 service minutes are 0.2 real seconds: followed then, the old plan started jobs the hour's re-plan paused moments
 * later (pauses per completed job 0.68 → 1.02 at 63% load).
 */
export const PLAN_FOLLOW_MIN_AGE_MS = 5_000;
