import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The CLI as a user runs it (`npm run replay -- …`), on the repo's own real data converted by the
 * documented converter.
 */
async function replayCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['--import', 'tsx', 'src/replay/replay.cli.ts', ...args], {
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run replay (real OPSD zones and ITP jobs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'westwind-replay-'));
  const input = join(dir, 'input');

  beforeAll(async () => {
    await run(
      'node',
      [
        '--import',
        'tsx',
        'scripts/replay-example-data.ts',
        '--from',
        '2019-03-04T00:00:00Z',
        '--days',
        '6',
        '--jobs',
        '150',
        '--out',
        input,
      ],
      { timeout: 60_000 },
    );
  }, 60_000);

  it('runs every strategy; writes report.json in the documented shape and a self-contained report.html', async () => {
    const out = join(dir, 'report');
    const result = await replayCli([
      '--config',
      'config/replay-example.yaml',
      '--signals',
      join(input, 'signals.csv'),
      '--jobs',
      join(input, 'jobs.csv'),
      '--strategies',
      'westwind,fifo,peak-pause,lp',
      '--forecast-error',
      '0.05',
      '--seed',
      '4',
      '--out',
      out,
    ]);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(Object.keys(report.strategies)).toEqual(['westwind', 'fifo', 'peak-pause', 'lp']);
    for (const figures of Object.values<Record<string, unknown>>(report.strategies)) {
      for (const key of [
        'totalMwh',
        'greenMwh',
        'gridMwh',
        'peakGridMwh',
        'carbonKg',
        'cost',
        'deadlineMisses',
        'pauses',
        'meanDelayHours',
        'wallMs',
      ])
        expect(figures).toHaveProperty(key);
    }
    const { westwind, fifo, lp } = report.strategies;
    expect(report.input.jobsReplayed).toBe(150);
    expect(westwind.completed).toBe(150);
    expect(westwind.deadlineMisses).toBe(0);
    expect(westwind.greenMwh + westwind.gridMwh).toBeCloseTo(westwind.totalMwh, 2);
    // Grid-aware planning draws less from the grid than running at once; the LP bound draws least.
    expect(westwind.gridMwh).toBeLessThan(fifo.gridMwh);
    expect(lp.gridMwh).toBeLessThanOrEqual(westwind.gridMwh + 1e-6);
    expect(report.jobs).toHaveLength(150);
    expect(report.jobs[0].strategies.westwind).toEqual(
      expect.objectContaining({
        start: expect.any(String),
        finish: expect.any(String),
        deadlineMet: true,
        pauses: expect.any(Number),
        site: expect.any(String),
      }),
    );

    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toContain('NaN');
    for (const zone of ['50hertz', 'amprion', 'tennet', 'transnetbw']) expect(html).toContain(`Zone ${zone}`);
    expect(html).not.toMatch(/<script|<link|src=|url\(|https?:\/\//);
  }, 120_000);

  it('refuses a bad row naming file, line and field, and writes nothing', async () => {
    const jobs = join(dir, 'bad-jobs.csv');
    const lines = readFileSync(join(input, 'jobs.csv'), 'utf8').trim().split('\n');
    lines[2] = lines[2].replace(/^([^,]+,[^,]+),\d+,/, '$1,0,');
    writeFileSync(jobs, lines.join('\n'));
    const out = join(dir, 'never');
    const result = await replayCli([
      '--config',
      'config/replay-example.yaml',
      '--signals',
      join(input, 'signals.csv'),
      '--jobs',
      jobs,
      '--out',
      out,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${jobs}:3: gpus: must not be less than 1`);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('refuses bad flags before reading anything', async () => {
    const result = await replayCli([
      '--config',
      'config/replay-example.yaml',
      '--jobs',
      'x.csv',
      '--strategies',
      'westwind,magic',
      '--objective',
      'speed',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--signals: is required');
    expect(result.stderr).toContain('--objective: must be one of green, carbon, cost');
    expect(result.stderr).toContain(
      '--strategies: must be a comma-separated list of westwind, fifo, peak-pause, lp (unknown: magic)',
    );
  }, 60_000);
});
