// Two projects: fast unit tests of the pure core and handlers on fakes, and integration tests
// against real Redis and the in-process FHIR server (files named *.int.test.ts).
// ESM throughout, as the service itself runs (see README, "Choices worth knowing").
const transform = {
  '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
};
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform,
  // The node environment with a guard: a file that leaves a worker, server, Redis connection or
  // child process running fails (test/helpers/leak-guard-environment.js).
  testEnvironment: '<rootDir>/test/helpers/leak-guard-environment.js',
};

export default {
  // A global option in jest (ignored inside a project): integration tests start a FHIR server, load
  // the FHIR definitions and talk to Redis, which takes seconds on a busy 2-core machine.
  testTimeout: 60000,
  // Both cores, for both projects at once. Safe because every integration test has its own queue
  // prefix (or its own Redis, in the chaos run) and its own ports; and worth it because much of an
  // integration test is waiting (on Redis, child processes, retries), which the other worker fills.
  maxWorkers: 2,
  // Long files first, also on a fresh clone without timings (test/helpers/slow-first-sequencer.js).
  testSequencer: '<rootDir>/test/helpers/slow-first-sequencer.js',
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.int\\.test\\.ts$'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/src/**/*.int.test.ts', '<rootDir>/test/**/*.int.test.ts'],
    },
  ],
};
