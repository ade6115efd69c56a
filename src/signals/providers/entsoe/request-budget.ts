import { setTimeout as sleep } from 'node:timers/promises';

/**
 * At most `limit` requests per `windowMs` for each key (a provider's token), in this process: a
 * request past the budget waits until the oldest in the window has aged out. Real time, not the
 * service clock: the provider counts in its own seconds even when the demo runs 720× faster.
 */
export class RequestBudget {
  private readonly sent = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async take(key: string): Promise<void> {
    for (;;) {
      const now = this.now();
      const times = (this.sent.get(key) ?? []).filter((t) => t > now - this.windowMs);
      if (times.length < this.limit) {
        times.push(now);
        this.sent.set(key, times);
        return;
      }
      this.sent.set(key, times);
      await sleep(Math.max(1, times[0] + this.windowMs - now));
    }
  }
}
