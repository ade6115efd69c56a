// Nest 12 ships ES modules only, so jest runs in its native ESM mode (see package.json "test").
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      {
        useESM: true,
        tsconfig: 'tsconfig.json',
        // TS151002 (hybrid module kinds want isolatedModules) printed once per test file; ts-jest does not type-check
        // here either way: `npm run typecheck` (tsc over src, test, bench, scripts) does, in .ci/run.
        diagnostics: { ignoreCodes: [151002] },
        astTransformers: {
          before: ['<rootDir>/test/swagger-transformer.cjs'],
        },
      },
    ],
  },
  testTimeout: 30000,
};
