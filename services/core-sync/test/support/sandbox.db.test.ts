import { describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from './test-database.js';
import { testServerUrl, testWorkerCount } from './test-servers.js';

describe('test servers', () => {
  it.each(['local', 'cloud'] as const)('the %s server has the binlog on in ROW/FULL format', async (role) => {
    await using scratch = await createTestDatabase(testServerUrl(role), 'harness');
    const settings = await scratch.query<{ Variable_name: string; Value: string }>(
      "SHOW VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format', 'binlog_row_image', 'binlog_row_metadata')",
    );
    expect(Object.fromEntries(settings.map((row) => [row.Variable_name, row.Value]))).toEqual({
      log_bin: 'ON',
      binlog_format: 'ROW',
      binlog_row_image: 'FULL',
      binlog_row_metadata: 'FULL',
    });
  });

  it('each test worker has servers of its own', () => {
    const sets = inject('testServerSets');
    const urls = sets.flatMap((set) => [set.local, set.cloud, set.mysqlLocal, set.mysqlCloud]);
    expect(sets).toHaveLength(testWorkerCount());
    expect(new Set(urls.filter((url) => url !== '')).size).toBe(urls.filter((url) => url !== '').length);
    expect(Number(process.env.VITEST_POOL_ID)).toBeLessThanOrEqual(sets.length);
  });
});
