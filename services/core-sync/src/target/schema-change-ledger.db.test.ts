/**
 * The schema change ledger on a real server: a statement runs once per source position, a restart that reads
 * it again does not run it again, and positions of another source server (after a failover) are neither taken
 * for this server's statements nor compared with its positions.
 */
import { describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { BinlogPosition } from '../model/index.js';
import { createMysqlPool, type Pool } from '../mysql/index.js';
import {
  applySchemaChangeOnce,
  schemaChangeLedgerName,
  type LedgerEntry,
  type SchemaChangeTarget,
} from './schema-change-ledger.js';
import { appliedStatementMarker } from './schema-change-statement.js';
import { testServerUrl } from '../../test/support/test-servers.js';

function ledgerTarget(pool: Pool, database: string, sourceServer: string): SchemaChangeTarget {
  return { pool, database, sourceName: 'local', sourceServer };
}

function entryAt(file: string, offset: number, statement: string): LedgerEntry {
  const position = new BinlogPosition(file, offset);
  return {
    table: 'items',
    statement: `${statement} ${appliedStatementMarker('local', position)}`,
    position,
  };
}

async function indexNames(database: TestDatabase): Promise<string[]> {
  const rows = await database.query<{ Key_name: string }>(
    "SHOW INDEX FROM items WHERE Key_name <> 'PRIMARY'",
  );
  return rows.map((row) => row.Key_name);
}

async function withLedgerDatabase(
  test: (database: TestDatabase, pool: Pool) => Promise<void>,
): Promise<void> {
  await using database = await createTestDatabase(testServerUrl('cloud'), 'ledger');
  const pool = createMysqlPool({ ...database.server, database: database.name });
  try {
    await database.query('CREATE TABLE items (id INT PRIMARY KEY, payload VARCHAR(20))');
    await test(database, pool);
  } finally {
    await pool.end();
  }
}

describe('the schema change ledger', () => {
  it('runs a statement once: read again, it is found in the ledger; recorded as started and run, it is found by the changed definition', async () => {
    await withLedgerDatabase(async (database, pool) => {
      const target = ledgerTarget(pool, database.name, 'server_id:1');
      const addIndex = entryAt('binlog.000001', 500, 'ALTER TABLE items ADD INDEX (payload)');
      expect(await applySchemaChangeOnce(target, addIndex)).toBe('applied');
      expect(await applySchemaChangeOnce(target, addIndex)).toBe('already-applied');
      // A crash after the statement ran and before it was marked: the table is no longer what it was before.
      await database.query(`UPDATE ${schemaChangeLedgerName} SET state = 'applying', applied_at = NULL`);
      expect(await applySchemaChangeOnce(target, addIndex)).toBe('found-applied');
      expect(await indexNames(database)).toEqual(['payload']);
      const [row] = await database.query<{ state: string }>(`SELECT state FROM ${schemaChangeLedgerName}`);
      expect(row?.state).toBe('applied');
    });
  });

  it("a TRUNCATE cut short by a crash is found by InnoDB's new table id; an id not read before is no sign of a change", async () => {
    await withLedgerDatabase(async (database, pool) => {
      const target = ledgerTarget(pool, database.name, 'server_id:1');
      await database.query("INSERT INTO items VALUES (1, 'one')");
      const truncate = entryAt('binlog.000001', 700, 'TRUNCATE TABLE items');
      expect(await applySchemaChangeOnce(target, truncate)).toBe('applied');
      const [recorded] = await database.query<{ table_id_before: string | null }>(
        `SELECT table_id_before FROM ${schemaChangeLedgerName}`,
      );
      expect(recorded?.table_id_before).toMatch(/^\d+$/);
      // The same definition, another table: it ran before the crash, and a row written since stays.
      await database.query(`UPDATE ${schemaChangeLedgerName} SET state = 'applying', applied_at = NULL`);
      await database.query("INSERT INTO items VALUES (2, 'after it')");
      expect(await applySchemaChangeOnce(target, truncate)).toBe('found-applied');
      expect(await database.query('SELECT id FROM items')).toEqual([{ id: 2 }]);
      // Recorded without an id (not readable then), the same definition: it did not run, so it runs.
      await database.query(
        `UPDATE ${schemaChangeLedgerName} SET state = 'applying', applied_at = NULL, table_id_before = NULL`,
      );
      expect(await applySchemaChangeOnce(target, truncate)).toBe('applied');
      expect(await database.query('SELECT id FROM items')).toEqual([]);
    });
  });

  it("after a failover of the source, the old server's later positions do not make the new server's statements look applied", async () => {
    await withLedgerDatabase(async (database, pool) => {
      const oldServer = ledgerTarget(pool, database.name, 'server_id:1');
      expect(
        await applySchemaChangeOnce(
          oldServer,
          entryAt('binlog.000009', 9_000, 'ALTER TABLE items ADD INDEX by_payload (payload)'),
        ),
      ).toBe('applied');
      // The new server's binlog starts again at its first file: its positions are all "before" the old one's.
      const newServer = ledgerTarget(pool, database.name, 'server_id:2');
      const addColumn = entryAt('binlog.000001', 400, 'ALTER TABLE items ADD COLUMN note TEXT');
      expect(await applySchemaChangeOnce(newServer, addColumn)).toBe('applied');
      const columns = await database.query<{ Field: string }>('SHOW COLUMNS FROM items');
      expect(columns.map((column) => column.Field)).toEqual(['id', 'payload', 'note']);
      // The same file and offset on the old server is another entry: both are kept.
      const rows = await database.query<{ source_server: string; state: string }>(
        `SELECT source_server, state FROM ${schemaChangeLedgerName} ORDER BY source_server`,
      );
      expect(rows).toEqual([
        { source_server: 'server_id:1', state: 'applied' },
        { source_server: 'server_id:2', state: 'applied' },
      ]);
    });
  });
});
