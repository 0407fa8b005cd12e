import { defineConfig } from 'vitest/config';

// Two projects: pure-logic unit tests run in parallel; tests that talk to database servers (`*.db.test.ts`)
// run one file at a time against the throw-away MariaDB servers that the global setup starts.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/*.db.test.ts', '**/node_modules/**'],
          // Time limits only catch hangs: speed is measured by the benchmarks, and the property tests (API fuzz,
          // auth matrix) send hundreds of requests, which takes well over vitest's 5 s on a loaded 2-core machine.
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'db',
          include: ['src/**/*.db.test.ts', 'test/**/*.db.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
