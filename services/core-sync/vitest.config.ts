import { defineConfig } from 'vitest/config';
import { testWorkerCount } from './test/support/test-worker-count.js';

// Two projects: pure-logic unit tests, and tests that talk to database servers (`*.db.test.ts`), against the
// throw-away servers the global setup starts: one set per worker, so two database test files run at once, each on
// servers of its own (test/support/test-servers.ts), while a third waits; MYSQL_SYNC_TEST_WORKERS sets how many.
export default defineConfig({
  test: {
    maxWorkers: testWorkerCount(),
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
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
