import { describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from './test-database.js';
import { testServerUrl } from './test-servers.js';

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
    const urls = sets.flatMap((set) => [set.local, set.cloud]);
    expect(sets.length).toBeGreaterThan(0);
    expect(new Set(urls).size).toBe(urls.length);
    expect(sets[Number(process.env.VITEST_POOL_ID ?? '1') - 1]?.local).toBe(testServerUrl('local'));
  });
});
