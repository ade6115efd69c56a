import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A script run as a user runs it: exit code, stdout, stderr. */
function node(script: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const { status, stdout, stderr } = spawnSync('node', ['--import', 'tsx', script, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: status, stdout, stderr };
}
const replayCli = (args: string[]) => node('src/replay/replay.cli.ts', args);

describe('npm run replay with forecast errors (real OPSD zones and ITP jobs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'westwind-replay-errors-'));
  const input = join(dir, 'input');
  const files = () => ['--config', 'config/replay-example.yaml', '--signals', join(input, 'signals.csv')];

  beforeAll(() => {
    const args = ['--from', '2019-03-11T00:00:00Z', '--days', '4', '--jobs', '80', '--out', input];
    expect(node('scripts/replay-example-data.ts', args).code).toBe(0);
  }, 60_000);

  it('takes a negative bias as written; reports each strategy’s saving beside the perfect-forecast one', () => {
    const out = join(dir, 'report');
    const result = replayCli([
      ...files(),
      '--jobs',
      join(input, 'jobs.csv'),
      '--strategies',
      'westwind,peak-pause',
      '--forecast-error',
      '0.1',
      '--forecast-bias',
      '-0.05',
      '--seed',
      '7',
      '--out',
      out,
    ]);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('forecast error 0.1 (mean absolute at 24 h lead');
    expect(result.stdout).toContain('renewable bias -0.05');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.input).toMatchObject({
      forecastModel: 'evolving',
      forecastError: 0.1,
      forecastBias: -0.05,
      forecastLoadError: 0.1,
      seed: 7,
    });
    // fifo is the baseline of the savings: replayed, not reported when not asked for.
    expect(Object.keys(report.strategies)).toEqual(['westwind', 'peak-pause']);
    for (const name of ['westwind', 'peak-pause']) {
      const figures = report.strategies[name];
      expect(figures.perfectForecasts).toEqual({
        objective: expect.any(Number),
        deadlineMisses: expect.any(Number),
        saving: expect.any(Number),
      });
      expect(figures.savingLost).toBeCloseTo(figures.perfectForecasts.saving - figures.saving, 2);
      if (figures.perfectForecasts.saving > 0)
        expect(figures.retainedShare).toBeCloseTo(figures.saving / figures.perfectForecasts.saving, 2);
    }
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('saving with perfect forecasts');
    expect(html).not.toContain('NaN');
  }, 120_000);

  it('refuses a bad bias, an unknown model, and a bias with the flat model, before reading anything', () => {
    const bad = replayCli([...files(), '--jobs', 'x.csv', '--forecast-bias', '-1.5', '--forecast-model', 'oracle']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--forecast-bias: must be a number above -1 and below 1');
    expect(bad.stderr).toContain('--forecast-model: must be one of evolving, redrawn, flat');
    const flat = replayCli([...files(), '--jobs', 'x.csv', '--forecast-model', 'flat', '--forecast-bias=0.1']);
    expect(flat.code).toBe(2);
    expect(flat.stderr).toContain('--forecast-model: flat takes neither --forecast-bias nor --forecast-load-error');
  }, 60_000);
});
