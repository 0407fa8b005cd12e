/**
 * R5: a column type that MariaDB and Oracle MySQL name differently is the same type to the schema check —
 * JSON (MariaDB: a LONGTEXT with CHECK (JSON_VALID(column))), YEAR (MariaDB: year(4)), integer display widths
 * (MariaDB: int(11), MySQL: int) — while types that differ for real are still refused as TABLE_SCHEMA_MISMATCH.
 */
import { describe, expect, it } from 'vitest';
import { expectExactlyEqual } from '../support/exact-rows.js';
import { createSyncFixture, eventually } from '../support/sync-fixture.js';
import { serverPair, skipped, type Flavor } from './server-pairs.js';

// The same statement on both servers: each names the columns its own way.
const typedTable = `CREATE TABLE typed (
  id INT NOT NULL PRIMARY KEY,
  json_doc JSON NULL,
  made YEAR NULL,
  small SMALLINT NULL,
  flag TINYINT NULL,
  counter BIGINT UNSIGNED NULL,
  amount INT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`;

const rowValues = (id: number): string =>
  `(${id}, '{"name": "row ${id}", "count": ${id * 3}, "ratio": 0.5, "tags": ["a", null, true]}', ` +
  `${1901 + id}, ${-id}, ${id % 2}, ${18446744073709551615n - BigInt(id)}, ${id * 1000})`;

const crossPairs = [serverPair('mysql', 'mariadb'), serverPair('mariadb', 'mysql')];

describe.each(crossPairs)('types named differently by each server, $label', (pair) => {
  it.skipIf(skipped(pair))(
    'JSON, YEAR and integer display widths are the same types: snapshot and stream',
    async () => {
      await using fixture = await createSyncFixture(pair.sourceUrl, pair.targetUrl, 'equaltypes');
      await fixture.source.query(typedTable);
      await fixture.target.query(typedTable);
      await fixture.source.query(`INSERT INTO typed VALUES ${[1, 2, 3].map(rowValues).join(', ')}`);
      const running = await fixture.startService(
        fixture.configDocument({ tables: [{ name: 'typed', primary_key: 'id' }] }),
      );
      await eventually(() => expectExactlyEqual(fixture.source, fixture.target, 'typed', ['id']));
      await fixture.source.query(`INSERT INTO typed VALUES ${[4, 5].map(rowValues).join(', ')}`);
      await fixture.source.query(
        `UPDATE typed SET json_doc = '{"changed": [1, 2, {"deep": "yes"}]}', made = 2155 WHERE id = 1`,
      );
      await fixture.source.query('DELETE FROM typed WHERE id = 2');
      await eventually(() => expectExactlyEqual(fixture.source, fixture.target, 'typed', ['id']));
      const pauses = running.service.status.directions.flatMap((direction) =>
        direction.tables.filter((table) => table.pause !== null),
      );
      expect(pauses).toEqual([]);
    },
  );

  it.skipIf(skipped(pair))('types that differ for real are still refused, each named', async () => {
    await using fixture = await createSyncFixture(pair.sourceUrl, pair.targetUrl, 'realdiff');
    // MySQL's JSON against a LONGTEXT without the JSON_VALID check (MySQL normalises a document, the LONGTEXT
    // keeps any text), YEAR against SMALLINT, INT against BIGINT.
    const definition = (flavor: Flavor, side: 'source' | 'target'): string =>
      side === 'source'
        ? `CREATE TABLE typed (id INT NOT NULL PRIMARY KEY, json_doc ${flavor === 'mysql' ? 'JSON' : 'LONGTEXT'} NULL, made YEAR NULL, amount INT NULL)`
        : `CREATE TABLE typed (id INT NOT NULL PRIMARY KEY, json_doc ${flavor === 'mysql' ? 'JSON' : 'LONGTEXT'} NULL, made SMALLINT NULL, amount BIGINT NULL)`;
    await fixture.source.query(definition(pair.sourceFlavor, 'source'));
    await fixture.target.query(definition(pair.targetFlavor, 'target'));
    const refusal = fixture.startService(
      fixture.configDocument({ tables: [{ name: 'typed', primary_key: 'id' }] }),
    );
    await expect(refusal).rejects.toMatchObject({ code: 'TABLE_SCHEMA_MISMATCH' });
    const message = await refusal.catch((error: unknown) => (error as Error).message);
    expect(message).toContain('json_doc (');
    expect(message).toContain('made (');
    expect(message).toContain('amount (');
  });
});
