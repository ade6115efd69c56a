import { readFileSync } from 'node:fs';
import { parseWestwindConfig } from './westwind-config.js';
import { problemsOf } from '../../test/support/config-problems.js';

const base = readFileSync('test/fixtures/westwind.test.yaml', 'utf8');
/** The test configuration with its first site's executor and its first subscription's VTN set to these. */
const withRetries = (executor: string, vtn: string) =>
  base
    .replace(/(sites:\n {2}- id: [a-z-]+\n)/, `$1    executor: { type: simulated${executor} }\n`)
    .replace('  - id: west-vtn\n', `  - id: west-vtn\n    vtn: { url: "http://vtn:8080"${vtn} }\n`);

describe('retry policies: the executors and the OpenADR VTN, each with its own defaults and limits', () => {
  it('defaults an executor to 5 tries from 1 s, 5 s a try; the VTN to 10 tries from 5 s, 10 s a try', () => {
    const config = parseWestwindConfig(withRetries('', ''), 't', {});
    const executor = config.sites[0].executor;
    expect(executor).toMatchObject({ timeoutMs: 5000, attempts: 5, backoffMs: 1000 });
    expect(executor.queueRetry).toEqual({ attempts: 5, backoff: { type: 'exponential', delay: 1000 } });
    const vtn = config.openadr[0].vtn!;
    expect(vtn).toMatchObject({ timeoutMs: 10_000, attempts: 10, backoffMs: 5000 });
    expect(vtn.queueRetry).toEqual({ attempts: 10, backoff: { type: 'exponential', delay: 5000 } });
  });

  it('takes figures up to each limit and refuses past them, naming the field', () => {
    const config = parseWestwindConfig(
      withRetries(', timeoutMs: 120000, attempts: 20, backoffMs: 600000', ', attempts: 100, backoffMs: 3600000'),
      't',
    );
    expect(config.sites[0].executor.queueRetry).toEqual({
      attempts: 20,
      backoff: { type: 'exponential', delay: 600_000 },
    });
    expect(config.openadr[0].vtn?.queueRetry).toEqual({
      attempts: 100,
      backoff: { type: 'exponential', delay: 3_600_000 },
    });
    expect(
      problemsOf(
        withRetries(', attempts: 21, backoffMs: 600001', ', attempts: 101, backoffMs: 3600001, timeoutMs: 99'),
      ),
    ).toEqual([
      'sites[0].executor.attempts: must not be greater than 20',
      'sites[0].executor.backoffMs: must not be greater than 600000',
      'openadr[0].vtn.timeoutMs: must not be less than 100',
      'openadr[0].vtn.attempts: must not be greater than 100',
      'openadr[0].vtn.backoffMs: must not be greater than 3600000',
    ]);
  });
});
