// The fault suite (`npm run test:faults`): the built service in child processes, killed and cut off from Redis.
import base from './jest.config.js';

/** @type {import('jest').Config} */
export default {
  ...base,
  roots: ['<rootDir>/test/faults'],
  testRegex: '.*\\.faults-spec\\.ts$',
  // Each test bounds its own waits; this only stops a hung one. The crash test (20 kills, restarts that re-plan 1,000
  // jobs, up to 300 s to finish) took past 600 s in a clean-clone CI run on a machine loaded beyond one busy core.
  testTimeout: 1_200_000,
  // One at a time: the crash test watches timing, and each suite runs a whole service.
  maxWorkers: 1,
};
