// The fault suite (`npm run test:faults`): the built service in child processes, killed and cut off from Redis.
import base from './jest.config.js';

/** @type {import('jest').Config} */
export default {
  ...base,
  roots: ['<rootDir>/test/faults'],
  testRegex: '.*\\.faults-spec\\.ts$',
  testTimeout: 600_000,
  // One at a time: the crash test watches timing, and each suite runs a whole service.
  maxWorkers: 1,
};
