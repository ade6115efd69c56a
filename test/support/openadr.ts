import request from 'supertest';
import type { App } from 'supertest/types.js';
import { OPENADR } from './test-app.js';

/** An OpenADR 3 EVENT notification as the test VTN subscription sends it, answered 200. */
export function notifyOpenAdr(http: App, operation: 'POST' | 'PUT' | 'DELETE', event: Record<string, unknown>) {
  return request(http)
    .post('/v1/webhooks/openadr')
    .set(OPENADR)
    .set('content-type', 'application/json')
    .send(JSON.stringify({ objectType: 'EVENT', operation, object: event }))
    .expect(200);
}
