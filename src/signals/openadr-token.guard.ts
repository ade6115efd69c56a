import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { bearerToken, keyDigest } from '../auth/bearer.js';
import { RateLimits } from '../auth/rate-limits.js';
import { ProblemException } from '../common/problem.js';
import { OpenAdrSubscriptionConfig, WestwindConfig } from '../config/westwind-config.js';

export type OpenAdrRequest = Request & { subscription?: OpenAdrSubscriptionConfig };

/** The bearer token configured for a VTN subscription; looked up by digest, like API keys. */
@Injectable()
export class OpenAdrTokenGuard implements CanActivate {
  private readonly byDigest: Map<string, OpenAdrSubscriptionConfig>;

  constructor(
    config: WestwindConfig,
    private readonly rateLimits: RateLimits,
  ) {
    this.byDigest = new Map(config.openadr.map((s) => [keyDigest(s.token), s]));
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<OpenAdrRequest>();
    const token = bearerToken(request.headers.authorization);
    const subscription = token ? this.byDigest.get(keyDigest(token)) : undefined;
    if (!subscription) {
      throw ProblemException.of(
        401,
        'unauthenticated',
        'Authentication required',
        'Send the subscription’s token as "Authorization: Bearer <token>".',
        {},
        { 'WWW-Authenticate': 'Bearer realm="westwind-openadr"' },
      );
    }
    request.subscription = subscription;
    await this.rateLimits.spend('sender', `openadr:${subscription.id}`, context.switchToHttp().getResponse<Response>());
    return true;
  }
}
