import {
  HttpExecutorConfig,
  parseWestwindConfig,
  SimulatedExecutorConfig,
  SlurmExecutorConfig,
} from './westwind-config.js';
import { problemsOf } from '../../test/support/config-problems.js';

const withExecutor = (executor: string) => `
zones: [{ id: west, timeZone: Asia/Shanghai }]
sites: [{ id: hub, zone: west, gpus: 8, kwPerGpu: 0.7, pue: 1.2${executor ? `, executor: ${executor}` : ''} }]
tenants: [{ id: lab, apiKeys: [lab-key-0000000000] }]
`;

describe('executor configuration: one validated class per type', () => {
  it('defaults to a simulated executor', () => {
    const executor = parseWestwindConfig(withExecutor(''), 't').sites[0].executor;
    expect(executor).toBeInstanceOf(SimulatedExecutorConfig);
    expect(executor).toMatchObject({ type: 'simulated', attempts: 5, backoffMs: 1000 });
  });

  it('reads an http executor with its url and secret', () => {
    const executor = parseWestwindConfig(
      withExecutor('{ type: http, url: "http://agent:8080/x", secret: whsec_4M6EHaI24LaygGhJUYhYsOGtlRNY24O5 }'),
      't',
    ).sites[0].executor;
    expect(executor).toBeInstanceOf(HttpExecutorConfig);
    expect(executor).toMatchObject({ type: 'http', url: 'http://agent:8080/x' });
  });

  it('reads a slurm executor with requeue as the default pause mode', () => {
    const executor = parseWestwindConfig(
      withExecutor('{ type: slurm, slurmConf: /etc/slurm/slurm.conf, partition: gpu, account: ml-lab, qos: normal }'),
      't',
    ).sites[0].executor;
    expect(executor).toBeInstanceOf(SlurmExecutorConfig);
    expect(executor).toMatchObject({
      type: 'slurm',
      slurmConf: '/etc/slurm/slurm.conf',
      partition: 'gpu',
      account: 'ml-lab',
      qos: 'normal',
      pauseMode: 'requeue',
      pollMs: 2000,
    });
    expect(
      parseWestwindConfig(withExecutor('{ type: slurm, pauseMode: suspend }'), 't').sites[0].executor,
    ).toMatchObject({ pauseMode: 'suspend' });
  });

  it('reads a slurm power command (argv, no shell) and the API URL its batch scripts report to', () => {
    const executor = parseWestwindConfig(
      withExecutor(
        '{ type: slurm, powerCommand: [ssh, "{node}", nvidia-smi, -pl, "{watts}"], gpuWatts: 700,' +
          ' apiUrl: "http://westwind.internal:3000" }',
      ),
      't',
    ).sites[0].executor;
    expect(executor).toMatchObject({
      powerCommand: ['ssh', '{node}', 'nvidia-smi', '-pl', '{watts}'],
      gpuWatts: 700,
      apiUrl: 'http://westwind.internal:3000',
    });
    const fractionOnly = parseWestwindConfig(
      withExecutor('{ type: slurm, powerCommand: [/opt/cap, "{fraction}"] }'),
      't',
    );
    expect(fractionOnly.sites[0].executor).toMatchObject({ powerCommand: ['/opt/cap', '{fraction}'] });
  });

  it('carries out 256 actions at once at a slurm site (one batch of commands), 16 at others', () => {
    const concurrency = (executor: string) =>
      parseWestwindConfig(withExecutor(executor), 't').sites[0].executor.concurrency;
    expect(concurrency('{ type: slurm }')).toBe(256);
    expect(concurrency('{ type: slurm, concurrency: 32 }')).toBe(32);
    expect(concurrency('')).toBe(16);
  });

  it.each([
    ['an unknown type', '{ type: kubernetes }', ['sites[0].executor.type: must be one of simulated, http, slurm']],
    [
      'an http executor without url and secret',
      '{ type: http }',
      [
        'sites[0].executor.url: must be the http(s) URL of the site agent',
        'sites[0].executor.secret: must be whsec_ followed by base64 (at least 18 bytes)',
      ],
    ],
    [
      'http fields on a slurm executor',
      '{ type: slurm, url: "http://x" }',
      ['sites[0].executor.url: property url should not exist'],
    ],
    [
      'slurm fields on a simulated executor',
      '{ type: simulated, partition: gpu }',
      ['sites[0].executor.partition: property partition should not exist'],
    ],
    [
      'a relative slurm.conf',
      '{ type: slurm, slurmConf: slurm.conf }',
      ['sites[0].executor.slurmConf: must be an absolute path'],
    ],
    [
      'a partition with a space',
      '{ type: slurm, partition: "gpu --wrap" }',
      ['sites[0].executor.partition: must be a Slurm name (letters, digits, _ . -)'],
    ],
    [
      'an unknown pause mode',
      '{ type: slurm, pauseMode: stop }',
      ['sites[0].executor.pauseMode: must be one of requeue, suspend'],
    ],
    ['a relative binDir', '{ type: slurm, binDir: bin }', ['sites[0].executor.binDir: must be an absolute path']],
    [
      'an account that reads as an option',
      '{ type: slurm, account: "--uid=0" }',
      ['sites[0].executor.account: must be a Slurm name (letters, digits, _ . -)'],
    ],
    [
      'a QoS with a semicolon',
      '{ type: slurm, qos: "normal;rm" }',
      ['sites[0].executor.qos: must be a Slurm name (letters, digits, _ . -)'],
    ],
    [
      'a partition name of 65 characters',
      `{ type: slurm, partition: ${'p'.repeat(65)} }`,
      ['sites[0].executor.partition: must be a Slurm name (letters, digits, _ . -)'],
    ],
    [
      'a poll faster than 100 ms',
      '{ type: slurm, pollMs: 50 }',
      ['sites[0].executor.pollMs: must not be less than 100'],
    ],
    [
      'a fractional poll interval',
      '{ type: slurm, pollMs: 1500.5 }',
      ['sites[0].executor.pollMs: must be an integer number'],
    ],
    ['no concurrency', '{ type: slurm, concurrency: 0 }', ['sites[0].executor.concurrency: must not be less than 1']],
    [
      'a command timeout over two minutes',
      '{ type: slurm, timeoutMs: 600000 }',
      ['sites[0].executor.timeoutMs: must not be greater than 120000'],
    ],
    [
      'a power command as one string',
      '{ type: slurm, powerCommand: "ssh {node} nvidia-smi" }',
      ['sites[0].executor.powerCommand: must be a list: the command, then its arguments'],
    ],
    [
      'an empty power command',
      '{ type: slurm, powerCommand: [] }',
      ['sites[0].executor.powerCommand: must name a command'],
    ],
    [
      'an unknown placeholder',
      '{ type: slurm, powerCommand: [nvidia-smi, -i, "{gpu}"] }',
      [
        'sites[0].executor.powerCommand: each element may hold only the placeholders ' +
          '{node} {watts} {fraction} {jobId} {slurmJobId}',
      ],
    ],
    [
      '{watts} without the GPU full power',
      '{ type: slurm, powerCommand: [nvidia-smi, -pl, "{watts}"] }',
      [
        'sites[0].executor.gpuWatts: must be the full power of one GPU in whole watts, 50-5000 ' +
          '(powerCommand uses {watts})',
      ],
    ],
    [
      'an API URL that is not one',
      '{ type: slurm, apiUrl: "westwind:3000" }',
      ["sites[0].executor.apiUrl: must be the http(s) URL of Westwind's API as the compute nodes reach it"],
    ],
  ])('refuses %s', (_, executor, expected) => {
    expect(problemsOf(withExecutor(executor))).toEqual(expected);
  });
});
