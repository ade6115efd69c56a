import { DateTime } from 'luxon';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import type { ExecutorOrder } from '../../src/execution/executors/site-executor.js';
import { virtualClock } from '../../src/domain/time/clock.js';
import { getJob, submit, testConfigWith, until } from '../support/execution.js';
import { ALPHA, snapshot, startTestApp, type TestApp } from '../support/test-app.js';

const SECRET = 'whsec_ZGUtaHViLWFnZW50LXNlY3JldC0wMDAx';
const DE_AGENT = { authorization: 'Bearer de-agent-key-000000001' };
const WEST_AGENT = { authorization: 'Bearer west-agent-key-00000001' };

interface Received {
  path: string;
  order: ExecutorOrder;
  webhookId: string;
  answered: number;
}

/** A site agent on a real local port: verifies each signed order and answers per the job's name. */
class LocalAgent {
  readonly received: Received[] = [];
  private server!: Server;
  private readonly webhook = new Webhook(SECRET);

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await read(req);
    let order: ExecutorOrder;
    try {
      order = this.webhook.verify(body, req.headers as Record<string, string>) as ExecutorOrder;
    } catch {
      res.writeHead(401).end();
      return;
    }
    const tries = this.received.filter((r) => r.webhookId === req.headers['webhook-id']).length;
    const answer = order.job.name === 'broken' ? 500 : order.job.name === 'flaky' && tries < 2 ? 503 : 202;
    this.received.push({ path: req.url!, order, webhookId: String(req.headers['webhook-id']), answered: answer });
    res.writeHead(answer).end();
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  forJob(jobId: string): Received[] {
    return this.received.filter((r) => r.order.jobId === jobId);
  }
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks).toString()));
  });
}

describe('http executor against a local site agent', () => {
  const agent = new LocalAgent();
  // A Saturday night in Berlin: no peak hours at de-hub.
  const clock = virtualClock(DateTime.fromISO('2026-03-07T01:00:00Z', { zone: 'utc' }), 60);
  let t: TestApp;
  let url: string;

  beforeAll(async () => {
    url = await agent.start();
    const configPath = testConfigWith((config) => {
      const site = (id: string) => config.sites.find((s: { id: string }) => s.id === id);
      site('de-hub').executor = {
        type: 'http',
        url: `${url}/agent`,
        secret: SECRET,
        attempts: 3,
        backoffMs: 50,
        timeoutMs: 2000,
      };
      site('de-hub').agentKeys = ['de-agent-key-000000001'];
      site('west-hub').agentKeys = ['west-agent-key-00000001'];
    });
    t = await startTestApp({ clock, configPath, roles: 'api,planner,dispatch' });
  });
  afterAll(async () => {
    await t.close();
    await agent.stop();
  });

  const job = (name: string, extra: Record<string, unknown> = {}) =>
    submit(t.app.getHttpServer(), {
      name,
      runtimeHours: 3,
      deadline: '2026-03-08T12:00:00Z',
      deferrable: false,
      sites: ['de-hub'],
      ...extra,
    });
  const report = (id: string, body: unknown, key = DE_AGENT) =>
    request(t.app.getHttpServer())
      .post(`/v1/jobs/${id}/events`)
      .set(key)
      .send(body as object);

  it('sends a signed start, retries a 503 with the same action id, and the job runs', async () => {
    const id = await job('flaky');
    const running = await until(
      () => getJob(t.app.getHttpServer(), id),
      (j) => j.state === 'running',
    );
    const sent = agent.forJob(id);
    expect(sent.map((r) => r.answered)).toEqual([503, 503, 202]);
    expect(new Set(sent.map((r) => r.webhookId))).toEqual(new Set([sent[0].order.actionId]));
    expect(sent[0]).toMatchObject({
      path: '/agent',
      order: { action: 'start', site: 'de-hub', job: { gpus: 8, runtimeHours: 3, doneHours: 0 } },
    });
    expect(running.run).toMatchObject({ site: 'de-hub', doneHours: 0 });
  });

  it('fails the job with the cause once the agent keeps failing, and leaves other jobs alone', async () => {
    const id = await job('broken');
    const failed = await until(
      () => getJob(t.app.getHttpServer(), id),
      (j) => j.state === 'failed',
    );
    expect(agent.forJob(id)).toHaveLength(3);
    expect(failed.history.at(-1).reason).toMatch(/start at de-hub failed after 3 attempt\(s\): .*HTTP 500/);
    const healthy = await job('healthy');
    await until(
      () => getJob(t.app.getHttpServer(), healthy),
      (j) => j.state === 'running',
    );
  });

  it('posts to the job’s callbackUrl when it has one', async () => {
    const id = await job('called-back', { callbackUrl: `${url}/callback/abc` });
    await until(
      () => getJob(t.app.getHttpServer(), id),
      (j) => j.state === 'running',
    );
    expect(agent.forJob(id)[0].path).toBe('/callback/abc');
  });

  it('takes progress, checkpoints and completion from the agent of the job’s site only', async () => {
    const id = await job('reported');
    await until(
      () => getJob(t.app.getHttpServer(), id),
      (j) => j.state === 'running',
    );
    const at = (minutes: number) => clock.now().plus({ minutes }).toISO();

    const progressed = await report(id, { type: 'checkpointed', doneHours: 1.5, at: at(0) }).expect(200);
    expect(progressed.body.run).toMatchObject({ doneHours: 1.5, checkpointedHours: 1.5 });

    const before = await snapshot(t.redis, t.prefix, 'plan:');
    await report(id, { type: 'progress', doneHours: 1, at: at(-30) })
      .expect(409)
      .expect('content-type', /problem\+json/);
    await report(id, { type: 'progress', doneHours: 9 }).expect(422);
    await report(id, { type: 'progress' }).expect(400);
    await report(id, { type: 'launched' }).expect(400);
    await report(id, { type: 'progress', doneHours: 2 }, WEST_AGENT).expect(409);
    await report(id, { type: 'progress', doneHours: 2 }, ALPHA).expect(403);
    await request(t.app.getHttpServer()).post(`/v1/jobs/${id}/events`).send({ type: 'completed' }).expect(401);
    await report('not-a-job', { type: 'completed' }).expect(404);
    // Dated beyond the clock skew a site may have (a minute of real time, an hour at this clock's 60×): refused.
    await report(id, { type: 'completed', at: at(2 * 60) })
      .expect(422)
      .expect('content-type', /problem\+json/);
    expect(await snapshot(t.redis, t.prefix, 'plan:')).toEqual(before);

    // Within it, a site's clock a little ahead: recorded at the service's time, never in its future (the site's GPUs
    // are free from the moment the service takes the report, and its record says so).
    const completed = await report(id, { type: 'completed', at: at(20) }).expect(200);
    const taken = clock.now();
    expect(completed.body.state).toBe('completed');
    expect(completed.body.run.segments).toHaveLength(1);
    expect(Date.parse(completed.body.run.segments[0].end)).toBeLessThanOrEqual(taken.toMillis());
    expect(Date.parse(completed.body.history.at(-1).at)).toBeLessThanOrEqual(taken.toMillis());
    // The agent repeats itself after a lost answer: same result, nothing changes.
    const afterCompletion = await snapshot(t.redis, t.prefix, 'plan:');
    await report(id, { type: 'completed' }).expect(200);
    await report(id, { type: 'failed', reason: 'late' }).expect(409);
    expect(await snapshot(t.redis, t.prefix, 'plan:')).toEqual(afterCompletion);
  });

  it('a failure the agent reports fails the job with its reason', async () => {
    const id = await job('crashes');
    await until(
      () => getJob(t.app.getHttpServer(), id),
      (j) => j.state === 'running',
    );
    // A reason is shown to operators: control and bidirectional characters are refused, not stored.
    const before = await snapshot(t.redis, t.prefix, 'plan:');
    await report(id, { type: 'failed', reason: 'x\u202Eevil' })
      .expect(400)
      .expect('content-type', /problem\+json/);
    await report(id, { type: 'failed', reason: 'line\u0007bell' }).expect(400);
    expect(await snapshot(t.redis, t.prefix, 'plan:')).toEqual(before);
    const failed = await report(id, { type: 'failed', reason: 'NCCL timeout on node 3' }).expect(200);
    expect(failed.body.state).toBe('failed');
    expect(failed.body.history.at(-1).reason).toBe('failed at de-hub: NCCL timeout on node 3');
  });
});
