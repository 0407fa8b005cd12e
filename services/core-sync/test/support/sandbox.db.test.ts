import { describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from './test-database.js';

describe('test servers', () => {
  it.each(['localServerUrl', 'cloudServerUrl'] as const)(
    '%s has the binlog on in ROW/FULL format',
    async (key) => {
      await using scratch = await createTestDatabase(inject(key), 'harness');
      const settings = await scratch.query<{ Variable_name: string; Value: string }>(
        "SHOW VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format', 'binlog_row_image', 'binlog_row_metadata')",
      );
      expect(Object.fromEntries(settings.map((row) => [row.Variable_name, row.Value]))).toEqual({
        log_bin: 'ON',
        binlog_format: 'ROW',
        binlog_row_image: 'FULL',
        binlog_row_metadata: 'FULL',
      });
    },
  );
});
