import { DateTime } from 'luxon';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { parse } from 'yaml';
import { until } from '../support/execution.js';
import { useServiceProcess } from '../support/service-process.js';
import { signedHeaders } from '../support/signed-webhook.js';
import { ALPHA, NW_GRID_SECRET, OPENADR, OPERATOR, TEST_CONFIG } from '../support/test-app.js';

/** Every secret the test configuration holds: API keys, agent keys, webhook secrets, OpenADR tokens. */
function configuredSecrets(): string[] {
  const config = parse(readFileSync(TEST_CONFIG, 'utf8')) as Record<
    string,
    { apiKeys?: string[]; agentKeys?: string[]; secrets?: string[]; token?: string; executor?: { secret?: string } }[]
  >;
  return Object.values(config)
    .filter(Array.isArray)
    .flat()
    .flatMap((entry) => [
      ...(entry.apiKeys ?? []),
      ...(entry.agentKeys ?? []),
      ...(entry.secrets ?? []),
      ...(entry.token ? [entry.token] : []),
      ...(entry.executor?.secret ? [entry.executor.secret] : []),
    ]);
}

/**
 * The built service at its most talkative (LOG_LEVEL=trace) is sent every kind of credential,
 * right and wrong; none of them, nor a signature or a Basic login, appears in its output.
 */
describe('secrets never reach the logs', () => {
  const { service } = useServiceProcess(4733, { LOG_LEVEL: 'trace' });

  it('logs requests with their ids but without keys, signatures, tokens or passwords', async () => {
    await service.start();
    const secrets = configuredSecrets();
    expect(secrets.length).toBeGreaterThanOrEqual(8);
    const wrongKey = 'not-a-key-but-secret-looking-0001';
    const basic = `Basic ${Buffer.from('ops:ops-key-000000000001').toString('base64')}`;

    const job = { name: 'log-probe', gpus: 8, runtimeHours: 1, deadline: DateTime.utc().plus({ days: 1 }).toISO() };
    await request(service.url).post('/v1/jobs').set(ALPHA).send(job).expect(201);
    await request(service.url)
      .get('/v1/jobs')
      .set({ authorization: `Bearer ${wrongKey}` })
      .expect(401);
    await request(service.url).get('/').set({ authorization: basic }).expect(200);
    await request(service.url).get('/metrics').set(OPERATOR).expect(200);
    const body = JSON.stringify({
      zone: 'west',
      issuedAt: DateTime.utc().minus({ minutes: 1 }).toISO(),
      resolution: 'PT1H',
      points: [{ start: DateTime.utc().startOf('hour').toISO(), windMw: 1, solarMw: 0, loadMw: 1 }],
    });
    const signed = signedHeaders(NW_GRID_SECRET, body);
    await request(service.url).post('/v1/webhooks/forecasts').set(signed).send(body).expect(200);
    await request(service.url)
      .post('/v1/webhooks/forecasts')
      .set({ ...signed, 'webhook-signature': 'v1,AAAA' })
      .send(body)
      .expect(401);
    await request(service.url).get('/v1/webhooks/openadr').query({ echo: 'challenge' }).set(OPENADR).expect(200);
    // The last request carries a request id of its own: once its line is in the output, so are the
    // lines before it (the child's output arrives through a pipe, late on a loaded machine).
    const lastId = 'secrets-in-logs-last-request';
    await request(service.url)
      .get('/v1/webhooks/openadr')
      .query({ echo: 'challenge' })
      .set({ authorization: `Bearer ${wrongKey}`, 'x-request-id': lastId })
      .expect(401);
    await until(
      () => service.output,
      (output) => output.includes(lastId),
      10_000,
    );

    expect(service.output).toMatch(/"reqId"|"req":\{"id"/); // it did log the requests
    const leaked = [...secrets, wrongKey, basic.slice(6), signed['webhook-signature'].slice(3)].filter((secret) =>
      service.output.includes(secret),
    );
    expect(leaked).toEqual([]);
  });
});
