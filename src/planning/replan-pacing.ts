import { REPLAN_MAX_BUSY_SHARE, REPLAN_MAX_REST_SHARE_OF_HOUR, REPLAN_MIN_INTERVAL_MS } from './planning.constants.js';
import { HOUR_MS } from '../domain/time/hours.js';

/**
 * How long (real ms) the planning queue rests after a re-plan that took `replanMs`, on a clock
 * running `clockSpeed` times real time (see REPLAN_MAX_BUSY_SHARE and REPLAN_MAX_REST_SHARE_OF_HOUR).
 */
export function restAfterReplanMs(replanMs: number, clockSpeed = 1): number {
  const proportional = replanMs * (1 / REPLAN_MAX_BUSY_SHARE - 1);
  const cap = (HOUR_MS / clockSpeed) * REPLAN_MAX_REST_SHARE_OF_HOUR;
  return Math.round(Math.max(REPLAN_MIN_INTERVAL_MS, Math.min(proportional, cap)));
}
