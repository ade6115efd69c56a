/**
 * Group commit for a site's actions: calls made while a batch runs (or within `lingerMs` of the first
 * one) are carried out together as the next batch, one batch at a time. With the dispatch worker
 * running many actions at once, a peak boundary's hundred pauses become a few `squeue` and
 * `scontrol` calls instead of two processes and two slurmctld requests per job.
 */
export class Batcher<T> {
  private pending: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private running = false;
  private timer?: NodeJS.Timeout;

  constructor(
    /** Carries out one batch; one outcome per item, in order (an Error for an item that failed). */
    private readonly run: (items: T[]) => Promise<(Error | undefined)[]>,
    private readonly lingerMs: number,
    private readonly maxBatch: number,
  ) {}

  submit(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.running && !this.timer) this.timer = setTimeout(() => void this.drain(), this.lingerMs);
    });
  }

  private async drain(): Promise<void> {
    this.timer = undefined;
    this.running = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.maxBatch);
        let outcomes: (Error | undefined)[];
        try {
          outcomes = await this.run(batch.map((b) => b.item));
        } catch (error) {
          outcomes = batch.map(() => error as Error);
        }
        batch.forEach((b, i) => (outcomes[i] ? b.reject(outcomes[i]) : b.resolve()));
      }
    } finally {
      this.running = false;
    }
  }
}

/** Runs `task` over `items` with at most `limit` at once; the outcomes in order (an Error where it threw). */
export async function settleEach<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<(Error | undefined)[]> {
  const outcomes: (Error | undefined)[] = items.map(() => undefined);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      await task(items[i]).catch((error: Error) => (outcomes[i] = error));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return outcomes;
}
