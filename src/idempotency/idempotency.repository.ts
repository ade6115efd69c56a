import { Inject, Injectable } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import { Redis } from 'ioredis';
import { createHash, randomUUID } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import { ProblemException } from '../common/problem.js';
import { RedisKeys } from '../redis/redis-keys.js';

/** What a request with an Idempotency-Key answered the first time. */
export interface StoredResponse {
  status: number;
  body: unknown;
  location?: string;
}

type Entry =
  | { state: 'in-flight'; fingerprint: string; owner: string }
  | { state: 'done'; fingerprint: string; response: StoredResponse };

export type IdempotencyClaim =
  | { outcome: 'claimed'; owner: string }
  | { outcome: 'replay'; response: StoredResponse }
  | { outcome: 'mismatch' }
  | { outcome: 'in-flight' };

/** A crashed request's claim lapses after this; completed answers are kept a day. */
const IN_FLIGHT_SECONDS = 60;
const DONE_SECONDS = 24 * 60 * 60;

const RELEASE_IF_OWNER = `
local entry = redis.call('GET', KEYS[1])
if entry and cjson.decode(entry).owner == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Idempotency-Key handling for POSTs that create (the IETF httpapi draft, as Stripe and Novu do it):
 * the first request claims the key; its answer is stored in the same MULTI that stores what it
 * created, so a replay always finds either nothing or the complete answer.
 */
@Injectable()
export class IdempotencyRepository {
  constructor(
    @Inject(Redis) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Fingerprint of a request: its route and its JSON body with keys in canonical order, or its raw bytes. */
  fingerprint(route: string, body: unknown): string {
    const content = Buffer.isBuffer(body) ? body : (stringify(body) ?? '');
    return createHash('sha256').update(route).update('\n').update(content).digest('base64url');
  }

  async claim(scope: string, key: string, fingerprint: string): Promise<IdempotencyClaim> {
    const redisKey = this.keys.idempotency(scope, key);
    for (;;) {
      const owner = randomUUID();
      const entry: Entry = { state: 'in-flight', fingerprint, owner };
      if (await this.redis.set(redisKey, JSON.stringify(entry), 'EX', IN_FLIGHT_SECONDS, 'NX'))
        return { outcome: 'claimed', owner };
      const existing = await this.redis.get(redisKey);
      if (existing === null) continue; // lapsed between the two commands: claim again
      const found = JSON.parse(existing) as Entry;
      if (found.fingerprint !== fingerprint) return { outcome: 'mismatch' };
      return found.state === 'done' ? { outcome: 'replay', response: found.response } : { outcome: 'in-flight' };
    }
  }

  /** Adds "remember this answer" to the transaction that makes the request's change. */
  complete(multi: ChainableCommander, scope: string, key: string, fingerprint: string, response: StoredResponse): void {
    const entry: Entry = { state: 'done', fingerprint, response };
    multi.set(this.keys.idempotency(scope, key), JSON.stringify(entry), 'EX', DONE_SECONDS);
  }

  /**
   * Runs `work` at most once per key: a repeat with the same fingerprint gets the first answer
   * back (`replayed`), one with another fingerprint is 422, one still in flight 409. `work` must
   * pass its answer to `remember` inside the transaction that makes its change; if it fails, the
   * claim is released so the client can retry with the same key.
   */
  async once(
    scope: string,
    key: string,
    fingerprint: string,
    name: string,
    work: (remember: (answer: StoredResponse, multi: ChainableCommander) => void) => Promise<StoredResponse>,
  ): Promise<{ response: StoredResponse; replayed: boolean }> {
    const claim = await this.claim(scope, key, fingerprint);
    switch (claim.outcome) {
      case 'replay':
        return { response: claim.response, replayed: true };
      case 'mismatch':
        throw ProblemException.of(
          422,
          'idempotency-key-reused',
          `${name} reused`,
          `This ${name} was already used with a different request body.`,
        );
      case 'in-flight':
        throw ProblemException.of(
          409,
          'idempotency-key-in-flight',
          'Request in progress',
          `A request with this ${name} is still being processed; retry shortly.`,
          {},
          { 'Retry-After': '1' },
        );
    }
    try {
      const response = await work((answer, multi) => this.complete(multi, scope, key, fingerprint, answer));
      return { response, replayed: false };
    } catch (error) {
      await this.release(scope, key, claim.owner).catch(() => undefined);
      throw error;
    }
  }

  /** Gives up a claim after the request failed, so the client can retry with the same key. */
  async release(scope: string, key: string, owner: string): Promise<void> {
    await this.redis.eval(RELEASE_IF_OWNER, 1, this.keys.idempotency(scope, key), owner);
  }
}
