import { Webhook } from 'standardwebhooks';
import type { HttpExecutorConfig } from '../../../config/westwind-config.js';
import type { ExecutorOrder, PowerOrder, SiteExecutor } from '../site-executor.js';

/** A site that did not take an order: the dispatch queue retries, then fails the job with this cause. */
export class ExecutorError extends Error {
  override name = 'ExecutorError';
}

/**
 * Sends each order to the site agent (or the job's callbackUrl) as a signed POST per Standard
 * Webhooks: `webhook-id` is the action id, so an agent that sees it twice acts once. Any 2xx
 * within the timeout is taken as accepted; anything else is an ExecutorError. A setPower goes the
 * same way, with `action: "setPower"` and `powerFraction` (docs/execution.md: what an agent runs).
 */
export class HttpExecutor implements SiteExecutor {
  private readonly webhook: Webhook;

  constructor(
    readonly site: string,
    private readonly config: HttpExecutorConfig,
  ) {
    this.webhook = new Webhook(config.secret);
  }

  perform(order: ExecutorOrder): Promise<void> {
    return this.send(order);
  }

  setPower(order: PowerOrder): Promise<void> {
    return this.send(order);
  }

  private async send(order: ExecutorOrder | PowerOrder): Promise<void> {
    const url = order.job.callbackUrl ?? this.config.url;
    const body = JSON.stringify(order);
    // The signature's timestamp is wall-clock time, even on a virtual clock: receivers check
    // freshness against their own clocks to refuse replays.
    const sentAt = new Date();
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': order.actionId,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': this.webhook.sign(order.actionId, sentAt, body),
        },
        body,
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
    } catch (error) {
      const cause =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${this.config.timeoutMs} ms`
          : ((error as Error & { cause?: Error }).cause?.message ?? (error as Error).message);
      throw new ExecutorError(`${order.action} at ${this.site}: ${url} unreachable (${cause})`);
    }
    // Drain the body so the connection can be reused.
    const text = await response.text().catch(() => '');
    if (!response.ok)
      throw new ExecutorError(
        `${order.action} at ${this.site}: ${url} answered HTTP ${response.status}` +
          (text ? ` ${text.slice(0, 200)}` : ''),
      );
  }
}
