/** The queue of re-plan requests: one planner at a time across all instances (global concurrency 1). */
export const PLANNING_QUEUE = 'planning';
/** A request to plan again; bursts coalesce into one waiting request (deduplication). */
export const REPLAN_JOB = 'replan';
export const REPLAN_DEDUPLICATION_ID = 'replan';
/** The job scheduler that asks for a re-plan every (service-clock) hour. */
export const HOURLY_REPLAN_SCHEDULER = 'hourly-replan';
/** Hours the planner looks ahead. */
export const PLANNING_HORIZON_HOURS = 168;
/** Housekeeping on the same queue, daily: forget old forecast hours, ended grid events and old metered energy. */
export const PRUNE_SIGNALS_JOB = 'prune-signals';
export const DAILY_PRUNE_SCHEDULER = 'daily-prune-signals';
/** Re-plans start at least this far apart (real ms); requests in between wait as one. */
export const REPLAN_MIN_INTERVAL_MS = 250;
/**
 * A re-plan also plans its input fifo (the same jobs run at once, where they fit), for the
 * dashboard's comparison, at most this often (real ms) per process: it never doubles a re-plan's cost.
 */
export const BASELINE_INTERVAL_MS = 10_000;
