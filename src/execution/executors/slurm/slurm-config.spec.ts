import { ConfigError } from '../../../config/config-error.js';
import { parseWestwindConfig, SlurmExecutorConfig } from '../../../config/westwind-config.js';

/** A valid config whose one site's executor is `executor` (YAML flow mapping). */
const withExecutor = (executor: string) => `
zones: [{ id: west, timeZone: Asia/Shanghai }]
sites: [{ id: hpc, zone: west, gpus: 8, kwPerGpu: 0.7, pue: 1.2, executor: ${executor} }]
dataRegions: [{ id: shanghai }]
tenants: [{ id: lab, apiKeys: ["lab-key-0000000000"] }]
`;

function problemsOf(executor: string): string[] {
  try {
    parseWestwindConfig(withExecutor(executor), 'test.yaml', {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => `${p.field}: ${p.message}`);
  }
  return [];
}

describe('the Slurm site config (executor type slurm)', () => {
  it('takes a full config, and fills in the defaults', () => {
    const full = parseWestwindConfig(
      withExecutor(`{ type: slurm, slurmConf: /etc/slurm/slurm.conf, binDir: /usr/bin, partition: gpu,
        account: ml-lab, qos: normal.high, pauseMode: suspend, pollMs: 500, timeoutMs: 10000, attempts: 8,
        backoffMs: 200, concurrency: 64 }`),
      'test.yaml',
      {},
    ).sites[0].executor;
    expect(full).toBeInstanceOf(SlurmExecutorConfig);
    expect(full).toMatchObject({
      slurmConf: '/etc/slurm/slurm.conf',
      binDir: '/usr/bin',
      partition: 'gpu',
      account: 'ml-lab',
      qos: 'normal.high',
      pauseMode: 'suspend',
      pollMs: 500,
      concurrency: 64,
    });
    const defaults = parseWestwindConfig(withExecutor('{ type: slurm }'), 'test.yaml', {}).sites[0].executor;
    expect(defaults).toEqual(
      Object.assign(new SlurmExecutorConfig(), {
        type: 'slurm',
        pauseMode: 'requeue',
        pollMs: 2000,
        timeoutMs: 5000,
        attempts: 5,
        backoffMs: 1000,
        maxActionsPerSecond: 1000,
        // Batched: many actions at once cost one command per verb (other executors: 16).
        concurrency: 256,
      }),
    );
    expect(
      parseWestwindConfig(
        withExecutor('{ type: http, url: "http://a", secret: "whsec_' + 'A'.repeat(32) + '" }'),
        't',
        {},
      ).sites[0].executor.concurrency,
    ).toBe(16);
  });

  it.each([
    ['an unknown pause mode', '{ type: slurm, pauseMode: preempt }', 'pauseMode: must be one of requeue, suspend'],
    ['a relative slurm.conf', '{ type: slurm, slurmConf: etc/slurm.conf }', 'slurmConf: must be an absolute path'],
    ['a relative binDir', '{ type: slurm, binDir: bin }', 'binDir: must be an absolute path'],
    [
      'a partition with a space',
      '{ type: slurm, partition: "gpu a100" }',
      'partition: must be a Slurm name (letters, digits, _ . -)',
    ],
    [
      'an account that reads as an option',
      '{ type: slurm, account: "--uid=0" }',
      'account: must be a Slurm name (letters, digits, _ . -)',
    ],
    [
      'a QoS with a semicolon',
      '{ type: slurm, qos: "normal;rm" }',
      'qos: must be a Slurm name (letters, digits, _ . -)',
    ],
    [
      'a partition of 65 characters',
      `{ type: slurm, partition: ${'p'.repeat(65)} }`,
      'partition: must be a Slurm name',
    ],
    ['a poll faster than 100 ms', '{ type: slurm, pollMs: 50 }', 'pollMs: must not be less than 100'],
    ['a fractional poll interval', '{ type: slurm, pollMs: 1500.5 }', 'pollMs: must be an integer number'],
    ['no concurrency', '{ type: slurm, concurrency: 0 }', 'concurrency: must not be less than 1'],
    ['a command timeout over two minutes', '{ type: slurm, timeoutMs: 600000 }', 'timeoutMs: must not be greater than'],
    ['an http executor field', '{ type: slurm, url: "http://agent" }', 'url: property url should not exist'],
    ['an unknown executor type', '{ type: kubernetes }', 'type: must be one of simulated, http, slurm'],
  ])('names the field and the problem for %s', (_, executor, expected) => {
    const problems = problemsOf(executor);
    expect(problems.join('\n')).toContain(`sites[0].executor.${expected}`);
  });
});
