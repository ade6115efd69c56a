import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** Standard Webhooks headers for `body`, signed with `secret` as a sender would. */
export function signedHeaders(
  secret: string,
  body: string,
  options: { id?: string; at?: Date } = {},
): Record<string, string> {
  const id = options.id ?? `msg_${randomUUID()}`;
  const at = options.at ?? new Date();
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}
