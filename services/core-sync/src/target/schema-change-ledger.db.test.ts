/**
 * The schema change ledger on a real server: a statement runs once per source position, a restart that reads
 * it again does not run it again, and positions of another source server (after a failover) are neither taken
 * for this server's statements nor compared with its positions.
 */
import { describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { BinlogPosition } from '../model/index.js';
import { createMysqlPool, type Pool } from '../mysql/index.js';
import { schemaChangeLedgerName, type SchemaChangeTarget } from './ledger-table.js';
import { applySchemaChangeOnce, type LedgerEntry } from './schema-change-ledger.js';
import { appliedStatementMarker } from './schema-change-statement.js';
import { testServerUrl } from '../../test/support/test-servers.js';

function ledgerTarget(pool: Pool, database: string, sourceServer: string): SchemaChangeTarget {
  return { pool, database, sourceName: 'local', sourceServer };
}

function entryAt(file: string, offset: number, statement: string, gtid: string | null = null): LedgerEntry {
  const position = new BinlogPosition(file, offset, gtid);
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

  it("after a failover of the source, the old server's entries neither make the new server's statements look applied nor hide them", async () => {
    await withLedgerDatabase(async (database, pool) => {
      const oldServer = ledgerTarget(pool, database.name, 'server_id:1');
      const newServer = ledgerTarget(pool, database.name, 'server_id:2');
      expect(
        await applySchemaChangeOnce(
          oldServer,
          entryAt('binlog.000001', 400, 'ALTER TABLE items ADD INDEX by_id_payload (id, payload)', '0-1-4'),
        ),
      ).toBe('applied');
      expect(
        await applySchemaChangeOnce(
          oldServer,
          entryAt('binlog.000009', 9_000, 'ALTER TABLE items ADD INDEX by_payload (payload)', '0-1-90'),
        ),
      ).toBe('applied');
      // The new server's binlog starts again at its first file: a later position of the old server, and the very
      // same file and offset, belong to other statements.
      const addColumn = entryAt('binlog.000001', 400, 'ALTER TABLE items ADD COLUMN note TEXT', '0-2-95');
      expect(await applySchemaChangeOnce(newServer, addColumn)).toBe('applied');
      const columns = await database.query<{ Field: string }>('SHOW COLUMNS FROM items');
      expect(columns.map((column) => column.Field)).toEqual(['id', 'payload', 'note']);
      const rows = await database.query<{ source_server: string; binlog_file: string }>(
        `SELECT source_server, binlog_file FROM ${schemaChangeLedgerName} ORDER BY source_server, binlog_file`,
      );
      expect(rows).toEqual([
        { source_server: 'server_id:1', binlog_file: 'binlog.000001' },
        { source_server: 'server_id:1', binlog_file: 'binlog.000009' },
        { source_server: 'server_id:2', binlog_file: 'binlog.000001' },
      ]);
    });
  });

  it('after a failover, a statement the old server ran just before a crash is found by its GTID state at its new position, and not run twice', async () => {
    await withLedgerDatabase(async (database, pool) => {
      const oldServer = ledgerTarget(pool, database.name, 'server_id:1');
      const newServer = ledgerTarget(pool, database.name, 'server_id:2');
      const statement = 'ALTER TABLE items ADD INDEX (payload)';
      expect(
        await applySchemaChangeOnce(oldServer, entryAt('binlog.000009', 9_000, statement, '0-1-90')),
      ).toBe('applied');
      await database.query(`UPDATE ${schemaChangeLedgerName} SET state = 'applying', applied_at = NULL`);
      // The replica promoted in its place has the same transaction at its own file and offset.
      const again = entryAt('binlog.000002', 1_234, statement, '0-1-90');
      expect(await applySchemaChangeOnce(newServer, again)).toBe('found-applied');
      expect(await applySchemaChangeOnce(newServer, again)).toBe('already-applied');
      expect(await indexNames(database)).toEqual(['payload']);
    });
  });

  it("brings an earlier build's ledger up to date: the source server and the table id are added, its entries kept", async () => {
    await withLedgerDatabase(async (database, pool) => {
      await database.query(`CREATE TABLE ${schemaChangeLedgerName} (
          source_name VARCHAR(64) NOT NULL, table_name VARCHAR(64) NOT NULL, binlog_file VARCHAR(255) NOT NULL,
          binlog_position BIGINT UNSIGNED NOT NULL, gtid VARCHAR(1024) NULL,
          state ENUM('shadow', 'applying', 'applied') NOT NULL, shadow_table VARCHAR(64) NULL,
          definition_before CHAR(64) NOT NULL, statement MEDIUMTEXT NOT NULL, started_at DATETIME(6) NOT NULL,
          applied_at DATETIME(6) NULL, PRIMARY KEY (source_name, table_name, binlog_file, binlog_position))
        ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
        INSERT INTO ${schemaChangeLedgerName} VALUES
          ('local', 'items', 'binlog.000001', 100, '0-1-1', 'applied', NULL, '', 'ALTER TABLE items FORCE',
           UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))`);
      const target = ledgerTarget(pool, database.name, 'server_id:1');
      const addIndex = entryAt('binlog.000001', 500, 'ALTER TABLE items ADD INDEX (payload)', '0-1-5');
      expect(await applySchemaChangeOnce(target, addIndex)).toBe('applied');
      const rows = await database.query<{ source_server: string; binlog_position: number }>(
        `SELECT source_server, binlog_position FROM ${schemaChangeLedgerName} ORDER BY binlog_position`,
      );
      expect(rows).toEqual([
        { source_server: '', binlog_position: 100 },
        { source_server: 'server_id:1', binlog_position: 500 },
      ]);
    });
  });
});
