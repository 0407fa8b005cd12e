/**
 * R2 and R9: JSON that Oracle MySQL builds from DECIMALs (`JSON_OBJECT('price', price)`) holds DECIMALs, which JSON
 * text would turn into DOUBLEs (`19.90` → `19.9`). On a MySQL target they arrive as DECIMALs of their scale, through
 * the snapshot, the stream (an insert, an update, a primary-key change) and full syncs, and a full sync settles:
 * the next one changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { runFullSyncToEnd } from '../support/full-sync-runs.js';
import { createSyncFixture, eventually } from '../support/sync-fixture.js';
import type { TestDatabase } from '../support/test-database.js';
import { serverPair, skipped } from './server-pairs.js';

const pair = serverPair('mysql', 'mysql');
const table = 'CREATE TABLE prices (id INT NOT NULL PRIMARY KEY, doc JSON NULL)';

function document(scale: number, price = '19.90'): string {
  return (
    `JSON_OBJECT('price', CAST('${price}' AS DECIMAL(6, 2)), 'list', JSON_ARRAY(CAST('1.${'0'.repeat(scale)}' AS ` +
    `DECIMAL(${scale + 1}, ${scale})), 2.5e0), 'big', CAST('123456789012345678901234567890' AS DECIMAL(30, 0)))`
  );
}

/** Each document's text and the JSON types of its numbers, by row. */
async function typedDocuments(database: TestDatabase): Promise<unknown[]> {
  return database.query(
    `SELECT id, CAST(doc AS CHAR) AS text, JSON_TYPE(doc->'$.price') AS price,
            JSON_TYPE(doc->'$.list[0]') AS first, JSON_TYPE(doc->'$.list[1]') AS second, JSON_TYPE(doc->'$.big') AS big
       FROM prices ORDER BY id`,
  );
}

describe('DECIMALs inside JSON, MySQL to MySQL', () => {
  it.skipIf(skipped(pair))(
    'arrive as DECIMALs of their scale through snapshot, stream and full sync, and a full sync settles (R2, R9)',
    { timeout: 120_000 },
    async () => {
      await using fixture = await createSyncFixture(pair.sourceUrl, pair.targetUrl, 'json_decimals');
      await fixture.source.query(table);
      await fixture.target.query(table);
      await fixture.source.query(`INSERT INTO prices VALUES (1, ${document(2)}), (2, ${document(4)})`);
      const running = await fixture.startService(
        fixture.configDocument({ tables: [{ name: 'prices', primary_key: 'id' }] }),
      );
      await eventually(async () => expect(await typedDocuments(fixture.target)).toHaveLength(2));

      await fixture.source.query(`INSERT INTO prices VALUES (3, ${document(3)})`);
      await fixture.source.query(`UPDATE prices SET doc = ${document(6, '29.90')} WHERE id = 1`);
      await fixture.source.query('UPDATE prices SET id = 4 WHERE id = 2');
      const expected = await typedDocuments(fixture.source);
      expect(expected[0]).toMatchObject({
        price: 'DECIMAL',
        first: 'DECIMAL',
        second: 'DOUBLE',
        big: 'DECIMAL',
      });
      expect(expected[0]).toMatchObject({ text: expect.stringContaining('1.000000') as unknown });
      await eventually(async () => expect(await typedDocuments(fixture.target)).toEqual(expected));

      // Rows changed behind the service's back, as text: the repair writes DECIMALs, and the next run finds nothing.
      await fixture.target.query(
        `SET SESSION sql_log_bin = 0; UPDATE prices SET doc = CAST(CAST(doc AS CHAR) AS JSON)`,
      );
      expect((await typedDocuments(fixture.target))[0]).toMatchObject({ price: 'DOUBLE' });
      const repair = await runFullSyncToEnd(running);
      expect(repair).toMatchObject({ state: 'completed', rowsChanged: 3 });
      expect(await typedDocuments(fixture.target)).toEqual(expected);
      const settled = await runFullSyncToEnd(running);
      expect(settled).toMatchObject({ state: 'completed', rowsChanged: 0 });
    },
  );
});
