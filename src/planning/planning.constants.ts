/** The queue of re-plan requests: one planner at a time across all instances (global concurrency 1). */
export const PLANNING_QUEUE = 'planning';
/** A request to plan again; bursts coalesce into one waiting request (deduplication). */
export const REPLAN_JOB = 'replan';
export const REPLAN_DEDUPLICATION_ID = 'replan';
/**
 * An urgent re-plan (a grid event that constrains the current hour changed): sent at once, not
 * coalesced, with a BullMQ priority so a resting planner sees it waiting, and its own
 * deduplication, so a waiting ordinary request does not swallow it.
 */
export const URGENT_REPLAN_DEDUPLICATION_ID = 'replan-urgent';
export const URGENT_REPLAN_PRIORITY = 1;
/**
 * The planner's worker looks again this often (real ms) while the queue rests, so an urgent
 * request that lifted the rest is taken within this, not at the rest's end (up to 30 s).
 */
export const REST_RECHECK_MS = 500;
/** The job scheduler that asks for a re-plan every (service-clock) hour. */
export const HOURLY_REPLAN_SCHEDULER = 'hourly-replan';
/** The reason the hourly tick's re-plans carry. */
export const HOUR_BOUNDARY = 'hour boundary';
/**
 * Housekeeping on the same queue: forget old forecast hours, ended grid events, old metered energy
 * and finished jobs past their retention. Every service-clock hour, or four times per retention
 * window when that is shorter, so a finished job outlives its retention by at most a quarter of it.
 */
export const HOUSEKEEPING_JOB = 'housekeeping';
export const HOUSEKEEPING_SCHEDULER = 'housekeeping';
/** Re-plans start at least this far apart (real ms); requests in between wait as one. */
export const REPLAN_MIN_INTERVAL_MS = 250;
/**
 * The share of time the planner may spend re-planning when requests never stop (a steady stream
 * of submissions): after a re-plan that took d ms the queue rests d × (1 / share − 1) ms, so a
 * large backlog's re-plans leave the cores and Redis to intake instead of running back to back.
 */
export const REPLAN_MAX_BUSY_SHARE = 0.25;
/**
 * The rest never exceeds this share of a service-clock hour, so the hour's own re-plan (pauses at
 * a peak's start) is never held back long in service time, even on a fast virtual clock.
 */
export const REPLAN_MAX_REST_SHARE_OF_HOUR = 1 / 120;
/**
 * A re-plan also plans its input fifo (the same jobs run at once, where they fit), for the
 * dashboard's comparison, at most this often (real ms) per process: it never doubles a re-plan's cost.
 */
export const BASELINE_INTERVAL_MS = 10_000;
