import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { RateLimits } from '../auth/rate-limits.js';
import { ProblemException } from '../common/problem.js';
import { WebhookSenderConfig, WestwindConfig } from '../config/westwind-config.js';

/** A webhook request: its body is the raw bytes (see RAW_BODY_PATHS), and the verified sender. */
export type SignedRequest = Request & { webhookSender?: WebhookSenderConfig };

const WHY: Record<string, string> = {
  'Missing required headers': 'webhook-id, webhook-timestamp and webhook-signature are all required',
  'Invalid Signature Headers': 'webhook-timestamp must be Unix seconds',
  'Message timestamp too old': 'webhook-timestamp is more than 5 minutes in the past',
  'Message timestamp too new': 'webhook-timestamp is more than 5 minutes in the future',
  'No matching signature found': 'no signature matches the body with any secret of any sender',
};

/**
 * Standard Webhooks authentication with the `standardwebhooks` package: HMAC-SHA256 over
 * "{id}.{timestamp}.{raw body}" in constant time, timestamps within 5 minutes of the wall clock
 * (freshness is a security property, so it is checked against real time even when the service
 * runs on a virtual clock). Each configured sender may have several secrets (rotation); the one
 * that verifies names the sender.
 */
@Injectable()
export class WebhookSignatureGuard implements CanActivate {
  private readonly verifiers: { sender: WebhookSenderConfig; webhook: Webhook }[];

  constructor(
    config: WestwindConfig,
    private readonly rateLimits: RateLimits,
  ) {
    this.verifiers = config.webhookSenders.flatMap((sender) =>
      sender.secrets.map((secret) => ({ sender, webhook: new Webhook(secret) })),
    );
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<SignedRequest>();
    const headers = {
      'webhook-id': header(request, 'webhook-id'),
      'webhook-timestamp': header(request, 'webhook-timestamp'),
      'webhook-signature': header(request, 'webhook-signature'),
    };
    let reason = 'no webhook sender is configured';
    for (const { sender, webhook } of this.verifiers) {
      try {
        webhook.verify(Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0), headers, { jsonParse: false });
        request.webhookSender = sender;
        await this.rateLimits.spend('sender', sender.id, context.switchToHttp().getResponse<Response>());
        return true;
      } catch (error) {
        if (!(error instanceof WebhookVerificationError)) throw error;
        reason = WHY[error.message] ?? error.message;
        // A header or timestamp problem is the same for every secret: stop at once.
        if (error.message !== 'No matching signature found') break;
      }
    }
    throw ProblemException.of(
      401,
      'webhook-unauthenticated',
      'Webhook signature not accepted',
      reason,
      {},
      { 'WWW-Authenticate': 'Standard-Webhooks' },
    );
  }
}

function header(request: Request, name: string): string {
  const value = request.headers[name];
  return typeof value === 'string' ? value : '';
}
