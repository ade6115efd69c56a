import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The module arrows, enforced: signals and jobs → planning → execution, with events and ports
 * where the work flows back (JobChanges, PlanDispatcher), and the stored plan below them all. The
 * domain is plain TypeScript: no framework, no Redis, nothing from outside src/domain.
 */
const FORBIDDEN: Record<string, readonly string[]> = {
  jobs: ['planning', 'execution', 'overview', 'events', 'reports'],
  signals: ['jobs', 'planning', 'execution', 'overview', 'events', 'reports'],
  plans: ['jobs', 'planning', 'execution', 'overview', 'signals', 'events', 'reports'],
  planning: ['execution', 'overview', 'reports'],
  execution: ['overview', 'reports'],
  events: ['planning', 'execution', 'overview', 'reports'],
  // Reports listen to job changes; nothing imports them.
  overview: ['reports'],
  dashboard: ['reports'],
};
/** Packages the domain must not use: the framework, transport and storage live outside it. */
const NOT_IN_DOMAIN =
  /^(@nestjs\/|ioredis$|bullmq$|express$|class-validator$|class-transformer$|rxjs|nestjs-pino$|pino|prom-client$)/;

const SRC = dirname(fileURLToPath(import.meta.url));
/** `import … from '…'` (over lines too), `export … from '…'`, `import('…')` and a bare `import '…'`. */
const IMPORT = new RegExp(
  [
    /^\s*(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"]+)['"]/,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/,
    /^\s*import\s*['"]([^'"]+)['"]/,
  ]
    .map((r) => r.source)
    .join('|'),
  'gm',
);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(text: string): string[] {
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** Each broken arrow as `file → import`, for files given by path under src and their text. */
function brokenArrows(files: readonly { path: string; text: string }[]): string[] {
  const broken: string[] = [];
  for (const { path, text } of files) {
    const [from] = path.split('/');
    const isSpec = path.endsWith('.spec.ts');
    for (const specifier of importsOf(text)) {
      const target = specifier.startsWith('.') ? resolve(SRC, dirname(path), specifier) : undefined;
      const relativeTo = target === undefined ? undefined : relative(SRC, target);
      const to = relativeTo?.split('/')[0];
      if (to !== undefined && FORBIDDEN[from]?.includes(to)) broken.push(`${path} → ${specifier}`);
      // Domain tests may read data sets; the domain's own code may not leave it.
      if (from === 'domain' && !isSpec) {
        if (relativeTo !== undefined && to !== 'domain') broken.push(`${path} → ${specifier}`);
        if (relativeTo === undefined && NOT_IN_DOMAIN.test(specifier)) broken.push(`${path} → ${specifier}`);
      }
    }
  }
  return broken;
}

describe('module arrows', () => {
  const files = sourceFiles(SRC).map((file) => ({ path: relative(SRC, file), text: readFileSync(file, 'utf8') }));

  it('reads every module of the service', () => {
    const folders = new Set(files.map((f) => f.path.split('/')[0]));
    const modules = ['domain', 'jobs', 'planning', 'execution', 'signals', 'plans', 'overview', 'events'];
    expect([...folders]).toEqual(expect.arrayContaining(modules));
    const jobsImports = files.filter((f) => f.path.startsWith('jobs/')).flatMap((f) => importsOf(f.text));
    expect(jobsImports.length).toBeGreaterThan(20);
  });

  it('jobs, signals, plans import neither planning nor execution, planning not execution; domain stays plain', () => {
    expect(brokenArrows(files)).toEqual([]);
  });

  it('would catch a back-import, a multi-line one, a framework import in the domain and a reach out of it', () => {
    const broken = brokenArrows([
      { path: 'jobs/a.ts', text: "import { PlanningService } from '../planning/planning.service.js';" },
      { path: 'planning/b.ts', text: "import {\n  DispatchService,\n} from '../execution/dispatch.service.js';" },
      {
        path: 'domain/planner/c.ts',
        text: "import { Injectable } from '@nestjs/common';\nimport type { X } from '../../config/x.js';",
      },
      { path: 'domain/planner/d.ts', text: "import { DateTime } from 'luxon';\nimport { e } from '../energy/e.js';" },
      { path: 'execution/e.ts', text: "import { PlanDispatcher } from '../planning/plan-dispatcher.js';" },
    ]);
    expect(broken).toEqual([
      'jobs/a.ts → ../planning/planning.service.js',
      'planning/b.ts → ../execution/dispatch.service.js',
      'domain/planner/c.ts → @nestjs/common',
      'domain/planner/c.ts → ../../config/x.js',
    ]);
  });
});
