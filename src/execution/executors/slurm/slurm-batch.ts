/**
 * Group commit for a site's actions: calls made within `lingerMs` of the first one waiting are
 * carried out together as one batch, at most `maxInFlight` batches at a time (calls made meanwhile
 * wait for the next). With the dispatch worker running many actions at once, a peak boundary's
 * hundred pauses become a few `squeue` and `scontrol` calls instead of two processes and two
 * slurmctld requests per job; a second batch in flight keeps a small first one from holding up
 * the rest.
 */
export class Batcher<T> {
  private pending: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private running = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    /** Carries out one batch; one outcome per item, in order (an Error for an item that failed). */
    private readonly run: (items: T[]) => Promise<(Error | undefined)[]>,
    private readonly lingerMs: number,
    private readonly maxBatch: number,
    private readonly maxInFlight: number,
  ) {}

  submit(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    if (this.pending.length === 0 || this.running >= this.maxInFlight || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.launch();
    }, this.lingerMs);
  }

  private async launch(): Promise<void> {
    const batch = this.pending.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    this.running++;
    // The next batch may gather while this one runs.
    this.next();
    let outcomes: (Error | undefined)[];
    try {
      outcomes = await this.run(batch.map((b) => b.item));
    } catch (error) {
      outcomes = batch.map(() => error as Error);
    } finally {
      this.running--;
    }
    batch.forEach((b, i) => (outcomes[i] ? b.reject(outcomes[i]) : b.resolve()));
    this.next();
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
