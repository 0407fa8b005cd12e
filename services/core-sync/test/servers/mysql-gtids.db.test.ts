/**
 * R10: checkpoints of a MySQL source (gtid_mode=ON) carry the source's executed GTID set, in the state store and in
 * the target's checkpoint table: after an initial copy, and after a restart from checkpoints that have none (as
 * every checkpoint had before), also for an account that may not read performance_schema.log_status.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { checkpointTableName, watermarkSlot } from '../../src/target/index.js';
import { GtidSet } from '../../src/binlog/gtid-set.js';
import {
  createSyncFixture,
  eventually,
  type RunningService,
  type SyncFixture,
} from '../support/sync-fixture.js';
import type { TestDatabase } from '../support/test-database.js';
import { serverPair, skipped } from './server-pairs.js';

const ledgerTable =
  'CREATE TABLE ledger (id INT NOT NULL PRIMARY KEY, amount INT NOT NULL, note VARCHAR(40) NULL)';

/** A GTID set in one spelling (sorted, merged, no white space), or null for none. */
function canonicalGtidSet(text: string | null | undefined): string | null {
  if (text === null || text === undefined || text.trim() === '') return null;
  return GtidSet.parse(text.replace(/\s/g, '')).toString();
}

async function executedGtidSet(database: TestDatabase): Promise<string | null> {
  const [row] = await database.query<{ executed: string }>('SELECT @@GLOBAL.gtid_executed AS executed');
  return canonicalGtidSet(row?.executed);
}

async function writeTransactions(database: TestDatabase, firstId: number, count: number): Promise<void> {
  for (let id = firstId; id < firstId + count; id += 1) {
    await database.query(
      `INSERT INTO ledger VALUES (${id}, ${id * 10}, 'row ${id}'); UPDATE ledger SET amount = amount + 1 WHERE id = ${id}`,
    );
  }
  await database.query(`DELETE FROM ledger WHERE id = ${firstId}`);
}

/** The watermark's GTID set, in the state store and in the target's checkpoint table, once it is the source's. */
async function expectCheckpointsCarrySourceSet(fixture: SyncFixture, running: RunningService): Promise<void> {
  await eventually(async () => {
    const executed = await executedGtidSet(fixture.source);
    expect(executed, "the source's gtid_executed").not.toBeNull();
    const stored = await running.store.loadCheckpoints('local');
    const watermark = stored.find((checkpoint) => checkpoint.slot === watermarkSlot);
    expect(canonicalGtidSet(watermark?.gtid), 'the watermark in the state store').toBe(executed);
    const [onTarget] = await fixture.target.query<{ gtid: string | null }>(
      `SELECT gtid FROM ${checkpointTableName} WHERE source_name = 'local' AND slot = ?`,
      [watermarkSlot],
    );
    expect(canonicalGtidSet(onTarget?.gtid), "the watermark in the target's checkpoint table").toBe(executed);
    const states = await running.store.listTableStates();
    expect(canonicalGtidSet(states.find((state) => state.tableName === 'ledger')?.gtid)).toBe(executed);
  }, 60_000);
}

describe.each([serverPair('mysql', 'mysql'), serverPair('mysql', 'mariadb')])(
  'GTIDs of a MySQL source, $label',
  (pair) => {
    it.skipIf(skipped(pair))(
      'checkpoints carry the executed GTID set after a copy, and after a restart from checkpoints without one',
      async () => {
        await using fixture = await createSyncFixture(pair.sourceUrl, pair.targetUrl, 'gtids');
        await fixture.source.query(ledgerTable);
        await fixture.target.query(ledgerTable);
        await writeTransactions(fixture.source, 1, 5);
        const document = fixture.configDocument({ tables: [{ name: 'ledger', primary_key: 'id' }] });
        {
          const running = await fixture.startService(document);
          await writeTransactions(fixture.source, 100, 20);
          await expectCheckpointsCarrySourceSet(fixture, running);
          await running.stop();
        }

        // Checkpoints written before GTIDs were recorded, read by an account without BACKUP_ADMIN (no
        // performance_schema.log_status): the set comes from SHOW BINARY LOG STATUS.
        await fixture.target.query(`UPDATE ${checkpointTableName} SET gtid = NULL`);
        const user = `limited_${randomBytes(3).toString('hex')}`;
        await fixture.source.query(
          `CREATE USER '${user}'@'%' IDENTIFIED BY 'limited-password';
           GRANT REPLICATION SLAVE, REPLICATION CLIENT, RELOAD ON *.* TO '${user}'@'%';
           GRANT ALL ON \`${fixture.source.name}\`.* TO '${user}'@'%'`,
        );
        try {
          const asLimited = await mysql.createConnection({
            ...fixture.source.server,
            user,
            password: 'limited-password',
          });
          await expect(
            asLimited.query('SELECT LOCAL FROM performance_schema.log_status'),
          ).rejects.toMatchObject({
            code: 'ER_TABLEACCESS_DENIED_ERROR',
          });
          await asLimited.end();
          const databases = document.databases as Record<string, Record<string, unknown>>;
          const limited = {
            ...document,
            databases: {
              ...databases,
              local: { ...databases.local, user, password: 'limited-password' },
            },
          };
          const running = await fixture.startService(limited);
          await writeTransactions(fixture.source, 200, 20);
          await expectCheckpointsCarrySourceSet(fixture, running);
          await running.stop();
        } finally {
          await fixture.source.query(`DROP USER '${user}'@'%'`);
        }
      },
    );
  },
);
