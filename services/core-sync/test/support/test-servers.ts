/**
 * The servers a database test runs against. The db project runs `testWorkerCount` test files at once
 * (vitest.config.ts), and the global setup (global-setup.ts) starts one set of servers per worker — a MariaDB
 * "local" and "cloud", and an Oracle MySQL pair — so that a test that stops a server, purges its binlog or kills its
 * connections never meets another file's test on it. Each worker uses the set of its number (VITEST_POOL_ID, 1 to
 * the number of workers, unique among the files running at once).
 *
 * MYSQL_SYNC_TEST_LOCAL_URL and MYSQL_SYNC_TEST_CLOUD_URL (and the MYSQL_ ones) name existing servers instead, one
 * set per comma-separated URL; the tests then run as many files at once as there are sets.
 */
import { inject } from 'vitest';

export { testWorkerCount } from './test-worker-count.js';

export type TestServerRole = 'local' | 'cloud' | 'mysqlLocal' | 'mysqlCloud';

/** One worker's servers, as URLs (mysql://user:password@host:port); the MySQL ones are empty when skipped. */
export type TestServerSet = Readonly<Record<TestServerRole, string>>;

/** The URL of `role` in this worker's set of servers. */
export function testServerUrl(role: TestServerRole): string {
  const sets = inject('testServerSets');
  const worker = Number(process.env.VITEST_POOL_ID ?? '1');
  const set = sets[worker - 1];
  if (set === undefined) {
    throw new Error(
      `test worker ${worker} has no servers: the global setup started ${sets.length} set(s); ` +
        'run no more workers than sets (MYSQL_SYNC_TEST_WORKERS, or one URL per set in MYSQL_SYNC_TEST_LOCAL_URL)',
    );
  }
  return set[role];
}
