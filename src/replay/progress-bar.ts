/**
 * A one-line progress bar on a terminal, for runs longer than a few seconds: it appears after
 * `delayMs`, redraws at most 10 times a second, and says nothing when the stream is not a TTY (CI logs).
 */
export class ProgressBar {
  private readonly startedAt = Date.now();
  private drawnAt = 0;
  private shown = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly label: string,
    private readonly delayMs = 2000,
  ) {}

  update(done: number, total: number): void {
    const now = Date.now();
    if (!this.stream.isTTY || now - this.startedAt < this.delayMs || now - this.drawnAt < 100 || total <= 0) return;
    this.drawnAt = now;
    this.shown = true;
    const fraction = Math.min(1, done / total);
    const width = 30;
    const filled = Math.round(fraction * width);
    const elapsed = (now - this.startedAt) / 1000;
    const eta = fraction > 0 ? Math.round((elapsed / fraction) * (1 - fraction)) : undefined;
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    const etaText = eta === undefined ? '' : `ETA ${eta}s`;
    this.stream.write(`\r${this.label} [${bar}] ${Math.round(fraction * 100)}%  ${done}/${total} h  ${etaText}   `);
  }

  finish(): void {
    if (this.shown) this.stream.write('\n');
  }
}
