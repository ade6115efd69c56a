import { IsInt, Max, Min } from 'class-validator';

/** A retry policy's defaults, and the largest figures it takes. */
export interface RetryPolicyFigures {
  timeoutMs: number;
  attempts: number;
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
}

/** A retry policy as BullMQ job options. */
export interface QueueRetry {
  attempts: number;
  backoff: { type: 'exponential'; delay: number };
}

/**
 * How work sent to another system is tried: how long one try may take, how many tries, and the first
 * retry's delay, doubling each time. One definition for the executors and the OpenADR VTN, which
 * differ only in their defaults and limits.
 */
export function RetryPolicyConfig(figures: RetryPolicyFigures) {
  abstract class RetryPolicy {
    /** A try not answered within this many ms counts as failed (and is retried). */
    @IsInt()
    @Min(100)
    @Max(120_000)
    timeoutMs: number = figures.timeoutMs;

    /** Tries before giving up. */
    @IsInt()
    @Min(1)
    @Max(figures.maxAttempts)
    attempts: number = figures.attempts;

    /** First retry delay (real ms); each next one waits twice as long. */
    @IsInt()
    @Min(10)
    @Max(figures.maxBackoffMs)
    backoffMs: number = figures.backoffMs;

    /** The queue's retries: `attempts` tries, exponential backoff from `backoffMs`. */
    get queueRetry(): QueueRetry {
      return { attempts: this.attempts, backoff: { type: 'exponential', delay: this.backoffMs } };
    }
  }
  return RetryPolicy;
}
