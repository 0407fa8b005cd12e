/**
 * R1: integers past 2^53 arrive exactly on every pair of servers, also after smaller values went through the same
 * worker's cached prepared statement (Oracle MySQL kept the parameter types of that first execution and rounded
 * later values through a double).
 */
import { describe, expect, it } from 'vitest';
import { createSyncFixture, eventually } from '../support/sync-fixture.js';
import { expectExactlyEqual } from '../support/exact-rows.js';
import { oneWayPairs, skipped } from './server-pairs.js';

const numbersTable = `CREATE TABLE numbers (
  id INT NOT NULL PRIMARY KEY,
  signed_value BIGINT NULL,
  unsigned_value BIGINT UNSIGNED NULL,
  int_value INT NULL
) ENGINE=InnoDB`;

const edgeValues: readonly [string, string][] = [
  ['9007199254740993', '9007199254740993'],
  ['-9007199254740993', '9223372036854775809'],
  ['9223372036854775807', '18446744073709551615'],
  ['-9223372036854775808', '18446744073709551614'],
  ['9007199254740992', '9007199254740991'],
  ['-1', '0'],
];

describe.each(oneWayPairs)('big integers, $label', (pair) => {
  it.skipIf(skipped(pair))('streams BIGINT values past 2^53 exactly after small ones', async () => {
    await using fixture = await createSyncFixture(pair.sourceUrl, pair.targetUrl, 'bigint');
    await fixture.source.query(numbersTable);
    await fixture.target.query(numbersTable);
    const running = await fixture.startService(
      fixture.configDocument({ tables: [{ name: 'numbers', primary_key: 'id' }], sync: { workers: 1 } }),
    );
    // Small values first, one transaction each, so the worker's statement is prepared and run with them.
    for (let id = 1; id <= 5; id += 1) {
      await fixture.source.query('INSERT INTO numbers VALUES (?, ?, ?, ?)', [id, id * 7, id * 11, id]);
    }
    await eventually(async () =>
      expect(await fixture.target.query('SELECT id FROM numbers')).toHaveLength(5),
    );
    let id = 100;
    for (const [signedValue, unsignedValue] of edgeValues) {
      id += 1;
      await fixture.source.query(
        `INSERT INTO numbers VALUES (${id}, ${signedValue}, ${unsignedValue}, ${id})`,
      );
      await fixture.source.query(
        `UPDATE numbers SET signed_value = ${signedValue}, unsigned_value = ${unsignedValue} WHERE id = ${id - 100}`,
      );
    }
    await eventually(async () => expectExactlyEqual(fixture.source, fixture.target, 'numbers', ['id']));
    const pauses = running.service.status.directions.flatMap((direction) =>
      direction.tables.filter((table) => table.pause !== null),
    );
    expect(pauses).toEqual([]);
  });
});

const keysTable =
  'CREATE TABLE big_keys (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, label VARCHAR(40) NOT NULL)';

describe.each(oneWayPairs)('BIGINT primary keys past 2^53, $label', (pair) => {
  it.skipIf(skipped(pair))(
    'a delete or a key change of one key never touches its neighbours (keys bound as text, compared exactly)',
    async () => {
      await using fixture = await createSyncFixture(pair.sourceUrl, pair.targetUrl, 'bigkeys');
      await fixture.source.query(keysTable);
      await fixture.target.query(keysTable);
      // Neighbours a double cannot tell apart (2^60 + 0…4), after small keys went through the same statements.
      const base = 2n ** 60n;
      const keys = [1n, 2n, base, base + 1n, base + 2n, base + 3n, base + 4n];
      await fixture.source.query(
        `INSERT INTO big_keys VALUES ${keys.map((key) => `(${key.toString()}, 'key ${key.toString()}')`).join(', ')}`,
      );
      await fixture.startService(
        fixture.configDocument({ tables: [{ name: 'big_keys', primary_key: 'id' }], sync: { workers: 1 } }),
      );
      await eventually(async () => expectExactlyEqual(fixture.source, fixture.target, 'big_keys', ['id']));
      await fixture.source.query('DELETE FROM big_keys WHERE id = 2');
      await fixture.source.query(`DELETE FROM big_keys WHERE id = ${(base + 1n).toString()}`);
      await fixture.source.query(
        `UPDATE big_keys SET id = ${(base + 5n).toString()} WHERE id = ${(base + 3n).toString()}`,
      );
      await fixture.source.query(
        `UPDATE big_keys SET label = 'changed' WHERE id = ${(base + 2n).toString()}`,
      );
      await eventually(async () => expectExactlyEqual(fixture.source, fixture.target, 'big_keys', ['id']));
      const ids = await fixture.target.query<{ id: string }>('SELECT id FROM big_keys ORDER BY id');
      expect(ids.map((row) => String(row.id))).toEqual(
        [1n, base, base + 2n, base + 4n, base + 5n].map((key) => key.toString()),
      );
    },
  );
});
