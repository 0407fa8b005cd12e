/**
 * Source transactions of 100,000 rows through the real service process, in both directions of a bidirectional
 * pair: 100,000 inserts on one side (the service killed -9 in the middle of applying them) and 100,000 deletes on
 * the other. Every change arrives, none twice, and the process's peak memory stays bounded (a transaction is held
 * whole until its commit, so memory grows with the largest transaction, not with the queue capacity: see
 * docs/operations.md "Sizing").
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  createSyncFixture,
  eventually,
  waitUntilHealthy,
  type ServiceProcess,
  type SyncFixture,
} from '../support/sync-fixture.js';
import type { TestDatabase } from '../support/test-database.js';
import { testServerUrl } from '../support/test-servers.js';

/** Changes in each of the two large transactions. */
const changeCount = 100_000;
/** Rows that stay after the deletes. */
const keptRows = 10;

const ledgerTable = `CREATE TABLE ledger (
  id INT PRIMARY KEY, version INT NOT NULL, amount DECIMAL(12,2) NOT NULL, note VARCHAR(64) NOT NULL
)`;

/** Logs every row version the service writes on the target: a change applied twice logs its version twice. */
const writeLog = `
  CREATE TABLE write_log (row_id INT NOT NULL, version INT NOT NULL);
  CREATE TRIGGER ledger_write_log BEFORE INSERT ON ledger FOR EACH ROW
    INSERT INTO write_log VALUES (NEW.id, NEW.version)`;

/** The service process's peak and current resident memory, in MiB (Linux /proc). */
async function memoryOf(service: ServiceProcess): Promise<{ peakMiB: number; currentMiB: number }> {
  const status = await readFile(`/proc/${service.child.pid}/status`, 'utf8');
  const kibibytes = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return {
    peakMiB: Math.round(kibibytes('VmHWM') / 1024),
    currentMiB: Math.round(kibibytes('VmRSS') / 1024),
  };
}

/** Both sides hold the same ledger, compared as one checksum per side plus the row count. */
async function expectSameLedger(fixture: SyncFixture): Promise<void> {
  const query = `SELECT COUNT(*) AS total, COALESCE(SUM(CRC32(CONCAT_WS('|', id, version, amount, note))), 0) AS checksum
                   FROM ledger`;
  const [[source], [target]] = await Promise.all([fixture.source.query(query), fixture.target.query(query)]);
  expect(target, 'ledger count and checksum on both sides').toEqual(source);
}

async function countRows(database: TestDatabase, table: string): Promise<number> {
  const [row] = await database.query<{ total: number }>(`SELECT COUNT(*) AS total FROM ${table}`);
  return Number(row?.total);
}

/**
 * Waits until the service is in the middle of applying: one of its statements on the ledger is running on the
 * target (a source transaction is applied as one target transaction, so no part of it is committed before the
 * whole: the rows committed so far say nothing). Returns the committed row count at that moment.
 */
async function waitUntilApplying(target: TestDatabase): Promise<number> {
  let committed = 0;
  await eventually(
    async () => {
      const [row] = await target.query<{ running: number }>(
        `SELECT COUNT(*) AS running FROM information_schema.PROCESSLIST
          WHERE ID <> CONNECTION_ID() AND COMMAND = 'Execute' AND INFO LIKE '%ledger%'`,
      );
      committed = await countRows(target, 'ledger');
      expect(
        Number(row?.running),
        `statements on the ledger running; ${committed} rows committed`,
      ).toBeGreaterThan(0);
    },
    120_000,
    10,
  );
  return committed;
}

describe('long source transactions', () => {
  it('100,000 inserts one way (killed -9 while applying) and 100,000 deletes the other way, each one transaction', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'longtx');
    const local = fixture.source;
    const cloud = fixture.target;
    await local.query(ledgerTable);
    await cloud.query(`${ledgerTable}; ${writeLog}`);
    const document = fixture.configDocument({
      tables: [
        { name: 'ledger', primary_key: 'id', conflict_resolution: 'source_priority', prefer: 'local' },
      ],
      sync: { mode: 'bidirectional', workers: 4 },
    });
    const first = await fixture.spawnService(document);
    await waitUntilHealthy(first, 2);

    const totalRows = changeCount + keptRows;
    await local.query(`INSERT INTO ledger
      SELECT seq, 1, seq * 0.25, CONCAT('entry ', seq) FROM seq_1_to_${totalRows}`);
    const committedAtKill = await waitUntilApplying(cloud);
    expect(await first.kill('SIGKILL')).toBeNull();
    expect(committedAtKill).toBeLessThan(totalRows);

    const second = await fixture.spawnService(document);
    await waitUntilHealthy(second, 2);
    await eventually(() => expectSameLedger(fixture), 120_000, 500);
    const repeated = await cloud.query(
      'SELECT row_id, version, COUNT(*) AS writes FROM write_log GROUP BY row_id, version HAVING writes > 1 LIMIT 5',
    );
    expect(repeated, 'rows written more than once').toEqual([]);
    expect(await countRows(cloud, 'write_log')).toBe(totalRows);

    await cloud.query(`DELETE FROM ledger WHERE id > ${keptRows}`);
    await eventually(() => expectSameLedger(fixture), 120_000, 500);
    expect(await countRows(local, 'ledger')).toBe(keptRows);
    // The other direction's deletes were not echoed back as changes: the cloud's log saw only the inserts.
    expect(await countRows(cloud, 'write_log')).toBe(totalRows);
    const memory = await memoryOf(second);
    expect(memory.peakMiB, JSON.stringify(memory)).toBeLessThan(1_024);
    expect(await second.kill('SIGTERM')).toBe(0);
  }, 300_000);
});
