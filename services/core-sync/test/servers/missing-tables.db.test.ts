/**
 * R4: a missing target table is created from the source's definition across MariaDB and Oracle MySQL
 * (`sync.create_missing_tables`). A collation the target lacks (MySQL's utf8mb4_0900_* on MariaDB 10.11,
 * MariaDB's NO PAD ones on MySQL) becomes one the target has when the two compare alike, or when the column is in
 * no key (then which rows collide cannot change); otherwise the start is refused with TABLE_COLLATION_UNSUPPORTED,
 * naming the table, the column and the collation.
 */
import { describe, expect, it } from 'vitest';
import { expectExactlyEqual } from '../support/exact-rows.js';
import { createSyncFixture, eventually } from '../support/sync-fixture.js';
import type { TestDatabase } from '../support/test-database.js';
import { serverPair, skipped } from './server-pairs.js';

const mysqlToMariadb = serverPair('mysql', 'mariadb');
const mariadbToMysql = serverPair('mariadb', 'mysql');

async function columnCollations(
  database: TestDatabase,
  table: string,
): Promise<Record<string, string | null>> {
  const rows = await database.query<{ name: string; collation: string | null }>(
    `SELECT COLUMN_NAME AS name, COLLATION_NAME AS collation FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [database.name, table],
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.collation]));
}

async function tableExists(database: TestDatabase, table: string): Promise<boolean> {
  const rows = await database.query(
    'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [database.name, table],
  );
  return rows.length > 0;
}

/** Spellings utf8mb4_0900_bin (and MariaDB's utf8mb4_nopad_bin) tell apart: case, trailing spaces. */
const handles = ['ann', 'Ann', 'ann ', 'ANN  ', 'bob', 'böb'];

describe('a missing table created on MariaDB from Oracle MySQL', () => {
  it.skipIf(skipped(mysqlToMariadb))(
    'maps 0900 collations: exactly for a key column (0900_bin), to the closest for columns in no key',
    async () => {
      await using fixture = await createSyncFixture(
        mysqlToMariadb.sourceUrl,
        mysqlToMariadb.targetUrl,
        'collmap',
      );
      await fixture.source.query(`CREATE TABLE people (
        id INT NOT NULL PRIMARY KEY,
        handle VARCHAR(32) COLLATE utf8mb4_0900_bin NOT NULL,
        name VARCHAR(64) NOT NULL,
        motto VARCHAR(64) COLLATE utf8mb4_0900_as_cs NULL,
        legacy VARCHAR(16) COLLATE utf8mb4_bin NULL,
        note TEXT NULL COMMENT 'not COLLATE utf8mb4_0900_ai_ci',
        UNIQUE KEY by_handle (handle),
        KEY by_name (name)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci`);
      const insert = (id: number, handle: string): Promise<unknown> =>
        fixture.source.query('INSERT INTO people VALUES (?, ?, ?, ?, ?, ?)', [
          id,
          handle,
          `Name ${handle}`,
          `Motto ${id}`,
          `legacy ${id}`,
          id % 2 === 0 ? null : `note ${id}`,
        ]);
      for (const [index, handle] of handles.slice(0, 3).entries()) await insert(index + 1, handle);
      const running = await fixture.startService(
        fixture.configDocument({ tables: [{ name: 'people', primary_key: 'id' }] }),
      );
      expect(await columnCollations(fixture.target, 'people')).toEqual({
        id: null,
        handle: 'utf8mb4_nopad_bin',
        name: 'utf8mb4_uca1400_nopad_ai_ci',
        motto: 'utf8mb4_uca1400_nopad_as_cs',
        legacy: 'utf8mb4_bin',
        note: 'utf8mb4_uca1400_nopad_ai_ci',
      });
      for (const [index, handle] of handles.slice(3).entries()) await insert(index + 4, handle);
      await fixture.source.query("UPDATE people SET handle = 'ann   ' WHERE id = 1");
      await eventually(() => expectExactlyEqual(fixture.source, fixture.target, 'people', ['id']));
      const pauses = running.service.status.directions.flatMap((direction) =>
        direction.tables.filter((table) => table.pause !== null),
      );
      expect(pauses).toEqual([]);
    },
  );

  it.skipIf(skipped(mysqlToMariadb))(
    'refuses a key column whose 0900 collation MariaDB only approximates, naming table, column and collation',
    async () => {
      await using fixture = await createSyncFixture(
        mysqlToMariadb.sourceUrl,
        mysqlToMariadb.targetUrl,
        'collkey',
      );
      await fixture.source.query(`CREATE TABLE accounts (
        id INT NOT NULL PRIMARY KEY,
        email VARCHAR(64) NOT NULL,
        nickname VARCHAR(32) COLLATE utf8mb4_0900_as_ci NULL,
        UNIQUE KEY by_email (email)
      ) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci`);
      const refusal = fixture.startService(
        fixture.configDocument({ tables: [{ name: 'accounts', primary_key: 'id' }] }),
      );
      await expect(refusal).rejects.toMatchObject({ code: 'TABLE_COLLATION_UNSUPPORTED' });
      const message = await refusal.catch((error: unknown) => (error as Error).message);
      expect(message).toContain('accounts');
      expect(message).toContain('email (utf8mb4_0900_ai_ci');
      expect(message).toContain('Create the table on cloud yourself');
      expect(message).not.toContain('nickname');
      expect(await tableExists(fixture.target, 'accounts')).toBe(false);
    },
  );

  it.skipIf(skipped(mysqlToMariadb))(
    'refuses a language tailoring MariaDB has no close match for',
    async () => {
      await using fixture = await createSyncFixture(
        mysqlToMariadb.sourceUrl,
        mysqlToMariadb.targetUrl,
        'colllang',
      );
      await fixture.source.query(`CREATE TABLE words (
      id INT NOT NULL PRIMARY KEY,
      reading VARCHAR(32) COLLATE utf8mb4_ja_0900_as_cs NULL
    ) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci`);
      const refusal = fixture.startService(
        fixture.configDocument({ tables: [{ name: 'words', primary_key: 'id' }] }),
      );
      await expect(refusal).rejects.toMatchObject({ code: 'TABLE_COLLATION_UNSUPPORTED' });
      const message = await refusal.catch((error: unknown) => (error as Error).message);
      expect(message).toContain('reading (utf8mb4_ja_0900_as_cs');
      expect(await tableExists(fixture.target, 'words')).toBe(false);
    },
  );
});

describe('a missing table created on Oracle MySQL from MariaDB', () => {
  it.skipIf(skipped(mariadbToMysql))(
    'JSON, YEAR, display widths, NO PAD collations, ON UPDATE defaults: created, copied and streamed exactly',
    async () => {
      await using fixture = await createSyncFixture(
        mariadbToMysql.sourceUrl,
        mariadbToMysql.targetUrl,
        'collback',
      );
      await fixture.source.query(`CREATE TABLE notes (
        id INT(11) NOT NULL PRIMARY KEY,
        code VARCHAR(16) COLLATE utf8mb4_nopad_bin NOT NULL,
        title VARCHAR(64) COLLATE utf8mb4_unicode_520_nopad_ci NULL,
        json_doc JSON NULL,
        made YEAR NULL,
        body TEXT NULL,
        flag TINYINT(1) NOT NULL DEFAULT 0,
        stamped DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
        UNIQUE KEY by_code (code)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
      const insert = (id: number, code: string): Promise<unknown> =>
        fixture.source.query(
          'INSERT INTO notes (id, code, title, json_doc, made, body) VALUES (?, ?, ?, ?, ?, ?)',
          [
            id,
            code,
            `Title ${code}`,
            JSON.stringify({ id, code, list: [1, 'two', null] }),
            1990 + id,
            `body ${id}`,
          ],
        );
      for (const [index, code] of handles.slice(0, 3).entries()) await insert(index + 1, code);
      const running = await fixture.startService(
        fixture.configDocument({ tables: [{ name: 'notes', primary_key: 'id' }] }),
      );
      expect(await columnCollations(fixture.target, 'notes')).toMatchObject({
        code: 'utf8mb4_0900_bin',
        title: 'utf8mb4_unicode_520_ci',
        body: 'utf8mb4_unicode_ci',
      });
      // MariaDB's JSON (a checked LONGTEXT) is created as MySQL's JSON.
      const [jsonColumn] = await fixture.target.query<{ DATA_TYPE: string }>(
        `SELECT DATA_TYPE FROM information_schema.COLUMNS
          WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'notes' AND COLUMN_NAME = 'json_doc'`,
      );
      expect(jsonColumn?.DATA_TYPE).toBe('json');
      for (const [index, code] of handles.slice(3).entries()) await insert(index + 4, code);
      await fixture.source.query(`UPDATE notes SET json_doc = '{"edited": true}', made = 2001 WHERE id = 2`);
      await eventually(() => expectExactlyEqual(fixture.source, fixture.target, 'notes', ['id']));
      const pauses = running.service.status.directions.flatMap((direction) =>
        direction.tables.filter((table) => table.pause !== null),
      );
      expect(pauses).toEqual([]);
    },
  );

  it.skipIf(skipped(mariadbToMysql))(
    'a definition MySQL refuses (a MariaDB-only type) is TABLE_CREATE_FAILED naming the table',
    async () => {
      await using fixture = await createSyncFixture(
        mariadbToMysql.sourceUrl,
        mariadbToMysql.targetUrl,
        'createfail',
      );
      await fixture.source.query('CREATE TABLE hosts (id INT NOT NULL PRIMARY KEY, address INET6 NULL)');
      const refusal = fixture.startService(
        fixture.configDocument({ tables: [{ name: 'hosts', primary_key: 'id' }] }),
      );
      await expect(refusal).rejects.toMatchObject({
        code: 'TABLE_CREATE_FAILED',
        message: expect.stringContaining(
          `table hosts could not be created in cloud database ${fixture.target.name}`,
        ) as unknown,
      });
      expect(await tableExists(fixture.target, 'hosts')).toBe(false);
    },
  );
});
