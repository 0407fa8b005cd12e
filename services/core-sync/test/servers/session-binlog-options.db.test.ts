/**
 * Binlog settings a writing session may choose for itself, which the start check (global values) cannot see:
 * - R8: MySQL's `binlog_transaction_compression` (transactions in a zstd TRANSACTION_PAYLOAD event) and
 *   `binlog_row_value_options=PARTIAL_JSON` (a JSON_SET/JSON_REPLACE/JSON_REMOVE logs only the changed paths):
 *   both decoded, every value arrives exactly;
 * - R7: `binlog_row_image` NOBLOB or MINIMAL (row images missing columns): never applied as if whole; the stream
 *   stops at the change and says why.
 */
import { describe, expect, it } from 'vitest';
import { expectExactlyEqual } from '../support/exact-rows.js';
import { createSyncFixture, eventually } from '../support/sync-fixture.js';
import { serverPair, skipped, type ServerPair } from './server-pairs.js';

const documentsTable = `CREATE TABLE documents (
  id INT NOT NULL PRIMARY KEY,
  title VARCHAR(40) NOT NULL,
  body JSON NULL,
  attachment BLOB NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

const mysqlSources: readonly ServerPair[] = [serverPair('mysql', 'mysql'), serverPair('mysql', 'mariadb')];

function zeroSignFor(pair: ServerPair): 'kept' | 'ignored' {
  return pair.targetFlavor === 'mariadb' ? 'ignored' : 'kept';
}

describe.each(mysqlSources)('MySQL session binlog options, $label', (pair) => {
  it.skipIf(skipped(pair))(
    'compressed transactions and partial JSON updates arrive exactly (R8)',
    { timeout: 120_000 },
    async () => {
      await using fixture = await createSyncFixture(pair.sourceUrl, pair.targetUrl, 'session_options');
      await fixture.source.query(documentsTable);
      await fixture.target.query(documentsTable);
      await fixture.startService(
        fixture.configDocument({ tables: [{ name: 'documents', primary_key: 'id' }], sync: { workers: 2 } }),
      );
      const [start] = await fixture.source.query<{ File: string; Position: number }>(
        'SHOW BINARY LOG STATUS',
      );
      const connection = await fixture.source.pool.getConnection();
      try {
        await connection.query('SET SESSION binlog_transaction_compression = ON');
        await connection.query('START TRANSACTION');
        for (let id = 1; id <= 300; id += 1) {
          await connection.query(
            "INSERT INTO documents VALUES (?, ?, JSON_OBJECT('n', ?, 'price', CAST(? AS DECIMAL(8,2)), 'tags', JSON_ARRAY('a', ?)), REPEAT(?, 200))",
            [id, `document ${id}`, id, id / 7, `tag ${id}`, String.fromCharCode(65 + (id % 26))],
          );
        }
        await connection.query('COMMIT');
        await connection.query('SET SESSION binlog_transaction_compression = OFF');
        await connection.query('SET SESSION binlog_row_value_options = PARTIAL_JSON');
        await connection.query(
          `UPDATE documents SET body = JSON_SET(body, '$.n', 1000 + id) WHERE id % 3 = 0`,
        );
        await connection.query(
          `UPDATE documents SET body = JSON_REPLACE(body, '$.tags[1]', 'replaced') WHERE id % 5 = 0`,
        );
        await connection.query(`UPDATE documents SET body = JSON_REMOVE(body, '$.price') WHERE id % 7 = 0`);
        await connection.query(
          `UPDATE documents SET body = JSON_SET(body, '$.added', 1.5e300, '$.tags[5]', 'appended') WHERE id % 11 = 0`,
        );
        await connection.query('SET SESSION binlog_transaction_compression = ON');
        await connection.query(
          `UPDATE documents SET body = JSON_SET(body, '$.zz', 'both') WHERE id % 13 = 0`,
        );
      } finally {
        connection.release();
      }
      // The source did log what this test is about.
      const events = await fixture.source.query<{ Event_type: string }>(
        `SHOW BINLOG EVENTS IN '${start?.File ?? ''}' FROM ${Number(start?.Position ?? 4)}`,
      );
      const types = new Set(events.map((event) => event.Event_type));
      expect([...types]).toEqual(expect.arrayContaining(['Transaction_payload', 'Update_rows_partial']));
      await eventually(
        () => expectExactlyEqual(fixture.source, fixture.target, 'documents', ['id'], zeroSignFor(pair)),
        60_000,
      );
    },
  );
});

describe.each([serverPair('mariadb', 'mariadb'), serverPair('mysql', 'mysql')])(
  'session binlog_row_image, $label',
  (pair) => {
    it.skipIf(skipped(pair))(
      'a change logged without some columns pauses its table, is never applied as if whole, and the other tables go on (R7)',
      { timeout: 120_000 },
      async () => {
        await using fixture = await createSyncFixture(pair.sourceUrl, pair.targetUrl, 'row_image');
        for (const database of [fixture.source, fixture.target]) {
          await database.query(
            `${documentsTable}; CREATE TABLE notes (id INT PRIMARY KEY, note VARCHAR(40))`,
          );
        }
        await fixture.source.query(
          "INSERT INTO documents VALUES (1, 'first', '{\"a\": 1}', REPEAT('x', 100)), (2, 'second', NULL, REPEAT('y', 100))",
        );
        const running = await fixture.startService(
          fixture.configDocument({
            tables: [
              { name: 'documents', primary_key: 'id' },
              { name: 'notes', primary_key: 'id' },
            ],
          }),
        );
        await eventually(() => expectExactlyEqual(fixture.source, fixture.target, 'documents', ['id']));
        await fixture.source.query(
          "SET SESSION binlog_row_image = NOBLOB; UPDATE documents SET title = 'changed' WHERE id = 1; " +
            "INSERT INTO notes VALUES (1, 'same transaction'); SET SESSION binlog_row_image = FULL",
        );
        await fixture.source.query("INSERT INTO notes VALUES (2, 'after it')");
        await eventually(() => {
          const documents = running.service.status.directions[0]?.tables.find(
            (table) => table.table === 'documents',
          );
          expect(documents?.pause).toMatchObject({
            reason: 'incomplete-row-image',
            code: 'ROW_IMAGE_INCOMPLETE',
          });
          expect(documents?.pause?.message).toMatch(/without the columns .*attachment.*binlog_row_image/);
        }, 30_000);
        await eventually(() => expectExactlyEqual(fixture.source, fixture.target, 'notes', ['id']), 30_000);
        const [row] = await fixture.target.query<{ title: string; attachmentLength: number | null }>(
          'SELECT title, LENGTH(attachment) AS attachmentLength FROM documents WHERE id = 1',
        );
        // Not applied: neither nulled (NOBLOB's missing BLOB) nor half-changed.
        expect(row).toEqual({ title: 'first', attachmentLength: 100 });
      },
    );
  },
);
