import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWestwindConfig } from '../config/westwind-config.js';
import { parseJobsCsv, parsePowerCell, parseSignalsCsv, readReplayConfig, ReplayInputError } from './replay-input.js';

const HUB = '{ id: hub, zone: west, gpus: 64, kwPerGpu: 0.7, pue: 1.2 }';
const EDGE = '{ id: edge, zone: east, gpus: 8, kwPerGpu: 0.7, pue: 1.2 }';
const CONFIG = parseWestwindConfig(
  `
zones: [{ id: west, timeZone: Asia/Shanghai }, { id: east, timeZone: Asia/Shanghai }]
sites: [${HUB}, ${EDGE}]
dataRegions: [{ id: shanghai, linksGbps: { hub: 10 } }]
tenants: [{ id: replay, apiKeys: ["replay-test-key-0001"] }]
`,
  'test',
);

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ReplayInputError)
      return error.message
        .split('\n')
        .slice(1)
        .map((line) => line.trim());
    throw error;
  }
  throw new Error('expected a ReplayInputError');
}

const HEADER = 'zone,start,windMw,solarMw,loadMw';

describe('signals CSV', () => {
  it('reads each zone hour by hour and keeps the hours all zones have', () => {
    const signals = parseSignalsCsv(
      [
        `${HEADER},pricePerMwh`,
        'west,2026-03-02T00:00:00Z,10,0,50,-5',
        'west,2026-03-02T09:00:00+08:00,11,0,50,',
        'east,2026-03-02T01:00:00Z,1,2,3,4',
        'east,2026-03-02T02:00:00Z,1,2,3,4',
        'west,2026-03-02T02:00:00Z,12,0,50,7',
      ].join('\n'),
      'signals.csv',
      CONFIG,
    );
    expect(signals.start.toISO()).toBe('2026-03-02T01:00:00.000Z');
    expect(signals.hours).toBe(2);
    expect(signals.zones.get('west')!.values.map((v) => [v!.windMw, v!.pricePerMwh])).toEqual([
      [11, undefined],
      [12, 7],
    ]);
  });

  it('names file, line and field for every bad row, and refuses the whole file', () => {
    const problems = problemsOf(() =>
      parseSignalsCsv(
        [
          HEADER,
          'west,2026-03-02T00:00:00Z,10,0,50',
          'north,2026-03-02T00:00:00Z,1,1,1',
          'west,2026-03-02T01:00:00Z,-3,0,50',
          'west,2026-03-02T01:30:00Z,1,0,50',
          'west,2026-03-02T05:00:00Z,1,0,50',
          'west,yesterday,1,0,50',
          'west,2026-03-02T06:00:00Z,1,0',
          'east,2026-03-02T00:00:00Z,1,x,1',
        ].join('\n'),
        'signals.csv',
        CONFIG,
      ),
    );
    expect(problems).toEqual([
      'signals.csv:3: zone: "north" is not a zone of the config (west, east)',
      'signals.csv:4: windMw: must be a finite, non-negative number',
      'signals.csv:5: start: must be the start of an hour',
      expect.stringMatching(
        /^signals\.csv:6: start: 2026-03-02T05:00:00Z does not follow 2026-03-02T01:00:00.000Z by one hour/,
      ),
      'signals.csv:7: start: must be an ISO 8601 date-time with an offset',
      'signals.csv:8: has 4 fields; the header has 5',
      'signals.csv:9: solarMw: must be a finite, non-negative number',
    ]);
  });

  it('refuses a header without the required columns, and a config zone without rows', () => {
    expect(problemsOf(() => parseSignalsCsv('zone,start,windMw,loadMw,extra\n', 's.csv', CONFIG))).toEqual([
      's.csv:1: header: must name zone, start, windMw, solarMw, loadMw ' +
        'and optionally hydroMw, carbonGPerKwh, pricePerMwh (missing solarMw; unknown extra)',
    ]);
    expect(problemsOf(() => parseSignalsCsv(`${HEADER}\nwest,2026-03-02T00:00:00Z,1,1,1`, 's.csv', CONFIG))).toEqual([
      's.csv: zone: config zone "east" has no rows',
    ]);
  });
});

const JOBS =
  'id,submitAt,gpus,runtimeHours,deadline,deferrable,interruptible,' +
  'checkpointMinutes,priority,sites,dataRegion,datasetGb';

describe('jobs CSV', () => {
  it('admits rows by the API rules, with defaults for empty cells', () => {
    const [job, other] = parseJobsCsv(
      [
        JOBS,
        'j-1,2026-03-02T08:00:00+08:00,8,2.5,2026-03-03T00:00:00Z,false,,,7,hub;edge,shanghai,100',
        'j.2,2026-03-02T00:00:00Z,1,1,2026-03-02T05:00:00Z,,,,,,,',
      ].join('\n'),
      'jobs.csv',
      CONFIG,
    );
    expect(job).toMatchObject({
      id: 'j-1',
      tenant: 'replay',
      submittedAt: '2026-03-02T00:00:00.000Z',
      gpus: 8,
      runtimeHours: 2.5,
      deferrable: false,
      interruptible: true,
      checkpointMinutes: 10,
      priority: 7,
      sites: ['hub', 'edge'],
      dataRegion: 'shanghai',
      datasetGb: 100,
      state: 'queued',
    });
    expect(other).toMatchObject({ id: 'j.2', deferrable: true, priority: 5 });
    expect(other.sites).toBeUndefined();
  });

  it('names file, line and field for every bad row, and refuses the whole file', () => {
    const problems = problemsOf(() =>
      parseJobsCsv(
        [
          JOBS,
          'ok,2026-03-02T00:00:00Z,1,1,2026-03-02T05:00:00Z,,,,,,,',
          'ok,2026-03-02T00:00:00Z,1,1,2026-03-02T05:00:00Z,,,,,,,',
          'zero,2026-03-02T00:00:00Z,0,1,2026-03-02T05:00:00Z,,,,,,,',
          'big,2026-03-02T00:00:00Z,65,1,2026-03-02T05:00:00Z,,,,,,,',
          'tight,2026-03-02T00:00:00Z,1,6,2026-03-02T05:00:00Z,,,,,,,',
          'where,2026-03-02T00:00:00Z,1,1,2026-03-02T05:00:00Z,,,,,moon,,',
          'flag,2026-03-02T00:00:00Z,1,1,2026-03-02T05:00:00Z,yes,,,,,,',
          'when,soon,1,1,2026-03-02T05:00:00Z,,,,,,,',
          'bad id!,2026-03-02T00:00:00Z,1,1,2026-03-02T05:00:00Z,,,,,,,',
          'prio,2026-03-02T00:00:00Z,1,1,2026-03-02T05:00:00Z,,,,12,,,',
        ].join('\n'),
        'jobs.csv',
        CONFIG,
      ),
    );
    expect(problems).toEqual([
      'jobs.csv:3: id: "ok" repeats line 2',
      'jobs.csv:4: gpus: must not be less than 1',
      'jobs.csv:5: gpus: 65 GPUs exceed the largest allowed site (64 GPUs)',
      'jobs.csv:6: deadline: is before the earliest possible finish ' +
        '2026-03-02T06:00:00.000Z (earliest start + runtimeHours)',
      'jobs.csv:7: sites[0]: unknown site "moon"',
      'jobs.csv:8: deferrable: must be true or false',
      'jobs.csv:9: submitAt: must be an ISO 8601 date-time with an offset',
      'jobs.csv:10: id: must be 1–128 letters, digits, dots, dashes or underscores',
      'jobs.csv:11: priority: must not be greater than 9',
    ]);
  });
});

describe('jobs CSV power column (#20)', () => {
  const FORM = 'fraction:throughput pairs separated by ";", e.g. 1:1;0.7:0.9;0.5:0.7';

  it('reads fraction:throughput pairs in any order; the lowest fraction is the minimum', () => {
    expect(parsePowerCell('1:1;0.7:0.9;0.5:0.7')).toEqual({
      curve: {
        minFraction: 0.5,
        throughput: [
          [1, 1],
          [0.7, 0.9],
          [0.5, 0.7],
        ],
      },
    });
    expect(parsePowerCell(' 0.6 : 0.8 ; 1:1 ')).toEqual({
      curve: {
        minFraction: 0.6,
        throughput: [
          [0.6, 0.8],
          [1, 1],
        ],
      },
    });
    expect(parsePowerCell('1:1')).toEqual({ curve: { minFraction: 1, throughput: [[1, 1]] } });
  });

  it.each([
    ['0.7', `pair 1 "0.7" is not fraction:throughput (${FORM})`],
    ['1:1;0.7', `pair 2 "0.7" is not fraction:throughput (${FORM})`],
    ['1:1;;0.5:0.7', `pair 2 "" is not fraction:throughput (${FORM})`],
    ['1:1,0.7:0.9', `pair 1 "1:1,0.7:0.9" is not fraction:throughput (${FORM})`],
    ['1:1;0.7:x', `pair 2 "0.7:x" is not fraction:throughput (${FORM})`],
    ['{"minFraction":0.5}', `pair 1 "{"minFraction":0.5}" is not fraction:throughput (${FORM})`],
    ['1:1;0:0.5', 'power fraction 0 must be above 0'],
    ['1:1;-0.5:0.5', 'power fraction -0.5 must be above 0'],
    ['1:1;0.7:1.2', 'pair 2: throughput 1.2 must be in (0, 1]'],
    ['1:1;1.2:1', 'pair 2: power fraction 1.2 is outside [minFraction 1, 1]'],
    ['0.7:0.9;0.5:0.7', 'throughput must include 1:1 (full power, full throughput)'],
    ['1:0.9;0.5:0.7', 'throughput must include 1:1 (full power, full throughput)'],
    ['1:1;0.7:0.9;0.5:0.95', 'throughput must not rise as power falls: 0.95 at 0.5 but 0.9 at 0.7'],
    ['1:1;0.7:0.9;0.7:0.8', 'power fraction 0.7 is given twice'],
    [Array.from({ length: 17 }, (_, k) => `${1 - k / 20}:${1 - k / 40}`).join(';'), 'has 17 pairs; at most 16'],
  ])('refuses %j: %s', (cell, problem) => {
    expect(parsePowerCell(cell)).toEqual({ problem });
  });

  it('gives the admitted job its curve (highest fraction first); an empty cell declares none', () => {
    const [capped, plain] = parseJobsCsv(
      [
        'id,submitAt,gpus,runtimeHours,deadline,power',
        'capped,2026-03-02T00:00:00Z,8,2,2026-03-03T00:00:00Z,0.5:0.7;1:1;0.7:0.9',
        'plain,2026-03-02T00:00:00Z,8,2,2026-03-03T00:00:00Z,',
      ].join('\n'),
      'jobs.csv',
      CONFIG,
    );
    expect(capped.power).toEqual({
      minFraction: 0.5,
      throughput: [
        [1, 1],
        [0.7, 0.9],
        [0.5, 0.7],
      ],
    });
    expect(plain.power).toBeUndefined();
  });

  it('names file, line and field for each bad curve', () => {
    expect(
      problemsOf(() =>
        parseJobsCsv(
          [
            'id,submitAt,gpus,runtimeHours,deadline,power',
            'a,2026-03-02T00:00:00Z,8,2,2026-03-03T00:00:00Z,1:1;0.7:0.9',
            'b,2026-03-02T00:00:00Z,8,2,2026-03-03T00:00:00Z,0.7:0.9',
            'c,2026-03-02T00:00:00Z,8,2,2026-03-03T00:00:00Z,1:1;0.5',
          ].join('\n'),
          'jobs.csv',
          CONFIG,
        ),
      ),
    ).toEqual([
      'jobs.csv:3: power: throughput must include 1:1 (full power, full throughput)',
      `jobs.csv:4: power: pair 2 "0.5" is not fraction:throughput (${FORM})`,
    ]);
  });
});

describe('replay config', () => {
  it("reads the service's own YAML; secrets the replay never uses need no environment", () => {
    const dir = mkdtempSync(join(tmpdir(), 'westwind-replay-'));
    const file = join(dir, 'prod.yaml');
    writeFileSync(
      file,
      'zones: [{ id: west, timeZone: UTC }]\n' +
        'sites: [{ id: hub, zone: west, gpus: 8, kwPerGpu: 0.7, pue: 1.2 }]\n' +
        'tenants: [{ id: t, apiKeys: ["${TENANT_KEY_NOT_SET}"] }]\n',
    );
    expect(readReplayConfig(file, {}).sites.map((s) => s.id)).toEqual(['hub']);
    writeFileSync(file, 'zones: [{ id: west, timeZone: Mars/Olympus }]\nsites: []\ntenants: []\n');
    expect(() => readReplayConfig(file, {})).toThrow(/timeZone/);
  });
});
