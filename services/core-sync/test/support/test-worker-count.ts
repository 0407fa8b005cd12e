/**
 * How many database test files run at once (vitest.config.ts), each on a set of servers of its own
 * (test-servers.ts); read by the config, so it imports nothing of vitest's.
 */
/** How many test files run at once: one per set of servers. */
export function testWorkerCount(environment: NodeJS.ProcessEnv = process.env): number {
  const fromUrls = environment.MYSQL_SYNC_TEST_LOCAL_URL?.split(',').length;
  if (fromUrls !== undefined) return fromUrls;
  const configured = environment.MYSQL_SYNC_TEST_WORKERS;
  if (configured === undefined || configured === '') return 2;
  const count = Number(configured);
  if (!Number.isInteger(count) || count < 1 || count > 8) {
    throw new Error(
      `MYSQL_SYNC_TEST_WORKERS must be a whole number from 1 to 8, got ${JSON.stringify(configured)}`,
    );
  }
  return count;
}
