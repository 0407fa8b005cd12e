/**
 * Proves the canonical value form: every column type decoded from the binlog equals, with toEqual, what the
 * service reads with a SELECT of the same row (mysql/exact-columns.ts) on a pool made by createMysqlPool.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import type { Row } from '../model/index.js';
import {
  createMysqlPool,
  asRows,
  exactQueryOptions,
  exactSelectList,
  readTableSchema,
  type Pool,
  type QueryRow,
} from '../mysql/index.js';
import { BinlogSource } from './binlog-source.js';
import { readCurrentPosition } from './server-position.js';
import { RecordingHandler, createTestLogger, waitFor } from './testing/binlog-test-kit.js';
import { testServerUrl } from '../../test/support/test-servers.js';

const columnDefinitions = `
  id INT PRIMARY KEY,
  version INT NOT NULL DEFAULT 0,
  c_year_first YEAR, c_bit_first BIT(5), c_double_first DOUBLE, c_decimal_first DECIMAL(5,2),
  c_tinyint TINYINT, c_tinyint_u TINYINT UNSIGNED,
  c_smallint SMALLINT, c_smallint_u SMALLINT UNSIGNED,
  c_mediumint MEDIUMINT, c_mediumint_u MEDIUMINT UNSIGNED,
  c_int INT, c_int_u INT UNSIGNED,
  c_bigint BIGINT, c_bigint_u BIGINT UNSIGNED,
  c_decimal DECIMAL(65,30), c_decimal_integer DECIMAL(20,0), c_decimal_small DECIMAL(5,2),
  c_float FLOAT, c_float_scaled FLOAT(7,3), c_double DOUBLE, c_double_scaled DOUBLE(12,4),
  c_date DATE, c_time TIME, c_time3 TIME(3), c_time6 TIME(6),
  c_datetime0 DATETIME, c_datetime1 DATETIME(1), c_datetime2 DATETIME(2), c_datetime3 DATETIME(3),
  c_datetime4 DATETIME(4), c_datetime5 DATETIME(5), c_datetime6 DATETIME(6),
  c_timestamp0 TIMESTAMP NULL, c_timestamp1 TIMESTAMP(1) NULL, c_timestamp2 TIMESTAMP(2) NULL,
  c_timestamp3 TIMESTAMP(3) NULL, c_timestamp4 TIMESTAMP(4) NULL, c_timestamp5 TIMESTAMP(5) NULL,
  c_timestamp6 TIMESTAMP(6) NULL,
  c_year YEAR,
  c_char CHAR(20), c_varchar VARCHAR(255), c_latin1 VARCHAR(40) CHARACTER SET latin1,
  c_tinytext TINYTEXT, c_text TEXT, c_mediumtext MEDIUMTEXT, c_longtext LONGTEXT,
  c_binary BINARY(16), c_varbinary VARBINARY(300),
  c_tinyblob TINYBLOB, c_blob BLOB, c_mediumblob MEDIUMBLOB, c_longblob LONGBLOB,
  c_json JSON,
  c_enum ENUM('small','medium','large'), c_set SET('read','write','admin'),
  c_bit1 BIT(1), c_bit10 BIT(10), c_bit64 BIT(64)`;

const allBytes = Buffer.from(Array.from({ length: 256 }, (_, byteValue) => byteValue));
const emojiText = "grüße 🎉👩🏽‍💻 “quotes” 'single' \\ back\\slash 中文 𝄞";

/** Column values per row, by name; columns left out are NULL. */
const rows: Record<string, unknown>[] = [
  {
    id: 1,
    c_tinyint: 127,
    c_year_first: 2001,
    c_double_first: -1.5,
    c_decimal_first: '-999.99',
    c_tinyint_u: 255,
    c_smallint: 32767,
    c_smallint_u: 65535,
    c_mediumint: 8388607,
    c_mediumint_u: 16777215,
    c_int: 2147483647,
    c_int_u: 4294967295,
    c_bigint: '9223372036854775807',
    c_bigint_u: '18446744073709551615',
    c_decimal: '99999999999999999999999999999999999.999999999999999999999999999999',
    c_decimal_integer: '99999999999999999999',
    c_decimal_small: '999.99',
    c_float: 3.4e38,
    c_float_scaled: 9999.999,
    c_double: 1.7976931348623157e308,
    c_double_scaled: 99999999.9999,
    c_date: '9999-12-31',
    c_time: '838:59:59',
    c_time3: '838:59:58.999',
    c_time6: '838:59:58.999999',
    c_datetime0: '9999-12-31 23:59:59',
    c_datetime1: '9999-12-31 23:59:59.9',
    c_datetime2: '9999-12-31 23:59:59.99',
    c_datetime3: '9999-12-31 23:59:59.999',
    c_datetime4: '9999-12-31 23:59:59.9999',
    c_datetime5: '9999-12-31 23:59:59.99999',
    c_datetime6: '9999-12-31 23:59:59.999999',
    c_timestamp0: '2038-01-19 03:14:07',
    c_timestamp1: '2038-01-19 03:14:07.9',
    c_timestamp2: '2038-01-19 03:14:07.99',
    c_timestamp3: '2038-01-19 03:14:07.999',
    c_timestamp4: '2038-01-19 03:14:07.9999',
    c_timestamp5: '2038-01-19 03:14:07.99999',
    c_timestamp6: '2038-01-19 03:14:07.999999',
    c_year: 2155,
    c_char: 'fixed width',
    c_varchar: emojiText,
    c_latin1: 'café déjà vu',
    c_tinytext: emojiText,
    c_text: emojiText.repeat(100),
    c_mediumtext: emojiText.repeat(1000),
    c_longtext: emojiText.repeat(3000),
    c_binary: Buffer.from([0x00, 0xff, 0x10, 0x80, 0x00, 0x00]),
    c_varbinary: allBytes,
    c_tinyblob: allBytes.subarray(0, 255),
    c_blob: allBytes,
    c_mediumblob: Buffer.concat(Array.from({ length: 300 }, () => allBytes)),
    c_longblob: Buffer.concat(Array.from({ length: 5 }, () => allBytes)),
    c_json:
      '{"text": "värde 🎉", "list": [1, 2.50, null, true, false], "nested": {"big": 12345678901234567890}}',
    c_enum: 'large',
    c_set: 'read,write,admin',
    c_bit1: 1,
    c_bit10: Buffer.from([0x03, 0xff]),
    c_bit64: Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
  },
  {
    id: 2,
    c_tinyint: -128,
    c_tinyint_u: 0,
    c_smallint: -32768,
    c_smallint_u: 0,
    c_mediumint: -8388608,
    c_mediumint_u: 0,
    c_int: -2147483648,
    c_int_u: 0,
    c_bigint: '-9223372036854775808',
    c_bigint_u: '0',
    c_decimal: '-12345678901234567890.123456789012345678901234567890',
    c_decimal_integer: '-99999999999999999999',
    c_decimal_small: '-0.01',
    c_float: -1.17549435e-38,
    c_float_scaled: -1234.5678,
    c_double: -2.2250738585072014e-308,
    c_double_scaled: -0.0001,
    c_date: '1000-01-01',
    c_time: '-838:59:59',
    c_time3: '-00:00:00.001',
    c_time6: '-12:34:56.000001',
    c_datetime0: '1000-01-01 00:00:00',
    c_datetime1: '1000-01-01 00:00:00.1',
    c_datetime2: '1000-01-01 00:00:00.01',
    c_datetime3: '1000-01-01 00:00:00.001',
    c_datetime4: '1000-01-01 00:00:00.0001',
    c_datetime5: '1000-01-01 00:00:00.00001',
    c_datetime6: '1000-01-01 00:00:00.000001',
    c_timestamp0: '1970-01-01 00:00:01',
    c_timestamp1: '1970-01-01 00:00:01.1',
    c_timestamp2: '1970-01-01 00:00:01.01',
    c_timestamp3: '1970-01-01 00:00:01.001',
    c_timestamp4: '1970-01-01 00:00:01.0001',
    c_timestamp5: '1970-01-01 00:00:01.00001',
    c_timestamp6: '1970-01-01 00:00:01.000001',
    c_year: 1901,
    c_char: '',
    c_varchar: '',
    c_latin1: '',
    c_tinytext: '',
    c_text: '',
    c_mediumtext: '',
    c_longtext: '',
    c_binary: Buffer.alloc(16),
    c_varbinary: Buffer.alloc(0),
    c_tinyblob: Buffer.alloc(0),
    c_blob: Buffer.alloc(0),
    c_mediumblob: Buffer.alloc(0),
    c_longblob: Buffer.alloc(0),
    c_json: '[]',
    c_enum: 'small',
    c_set: '',
    c_bit1: 0,
    c_bit10: Buffer.from([0x00, 0x00]),
    c_bit64: Buffer.alloc(8),
  },
  {
    id: 3,
    c_tinyint: 0,
    c_tinyint_u: 1,
    c_smallint: -1,
    c_smallint_u: 12345,
    c_mediumint: -1,
    c_mediumint_u: 1,
    c_int: 0,
    c_int_u: 1,
    c_bigint: '9007199254740991',
    c_bigint_u: '9007199254740992',
    c_decimal: '0.000000000000000000000000000001',
    c_decimal_integer: '0',
    c_decimal_small: '0.50',
    c_float: 3.14159265,
    c_float_scaled: 0.0005,
    c_double: 1 / 3,
    c_double_scaled: 12345678.1234,
    c_date: '2024-02-29',
    c_time: '00:00:00',
    c_time3: '12:00:00.5',
    c_time6: '-00:00:01.5',
    c_datetime0: '2024-02-29 12:34:56',
    c_datetime1: '2024-02-29 12:34:56.5',
    c_datetime2: '2024-02-29 12:34:56.05',
    c_datetime3: '2024-02-29 12:34:56.123',
    c_datetime4: '2024-02-29 12:34:56.1234',
    c_datetime5: '2024-02-29 12:34:56.12345',
    c_datetime6: '2024-02-29 12:34:56.123456',
    c_timestamp0: '2024-02-29 12:34:56',
    c_timestamp1: '2024-02-29 12:34:56.5',
    c_timestamp2: '2024-02-29 12:34:56.05',
    c_timestamp3: '2024-02-29 12:34:56.123',
    c_timestamp4: '2024-02-29 12:34:56.1234',
    c_timestamp5: '2024-02-29 12:34:56.12345',
    c_timestamp6: '2024-02-29 12:34:56.123456',
    c_year: 2024,
    c_char: '  padded  ',
    c_varchar: 'trailing spaces   ',
    c_latin1: 'Ünïcödé in latin1 ½',
    c_tinytext: 'a',
    c_text: 'line\nbreaks\r\nand\ttabs\u0000nul',
    c_mediumtext: '0',
    c_longtext: 'null',
    c_binary: Buffer.from('0123456789abcdef'),
    c_varbinary: Buffer.from([0x00]),
    c_tinyblob: Buffer.from([0xff]),
    c_blob: Buffer.from('text in a blob'),
    c_mediumblob: Buffer.from([0x00, 0x00, 0x00]),
    c_longblob: allBytes.subarray(128),
    c_json: '"just a string"',
    c_enum: 'medium',
    c_set: 'admin',
    c_bit1: 1,
    c_bit10: Buffer.from([0x02, 0x01]),
    c_bit64: Buffer.from([0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01]),
  },
  // Every nullable column NULL.
  { id: 4 },
  // Floats and doubles that print differently from their stored binary value.
  {
    id: 5,
    c_float: 16777217,
    c_float_scaled: 1.0005,
    c_double: 0.1 + 0.2,
    c_double_scaled: 1 / 3,
    c_decimal: '-0.5',
    c_bigint: '-9007199254740993',
    c_bigint_u: '9007199254740991',
    c_json: '{"a": 1.0, "b": -0.0, "c": 1e3}',
  },
];

/** Zero dates and out-of-list values, stored under a relaxed sql_mode. */
const relaxedRow = `INSERT INTO all_types (id, c_date, c_datetime0, c_datetime6, c_timestamp0, c_timestamp6, c_year, c_enum)
  VALUES (6, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00.000000', 0, 0, 0, 'not in the list')`;

function insertStatement(row: Record<string, unknown>): { sql: string; values: unknown[] } {
  const names = Object.keys(row);
  return {
    sql: `INSERT INTO all_types (${names.map((name) => `\`${name}\``).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
    values: names.map((name) => row[name]),
  };
}

async function selectRows(pool: Pool, database: string): Promise<Map<number, Row>> {
  const schema = await readTableSchema(pool, database, 'all_types');
  if (schema === null || schema === undefined) throw new Error('all_types is missing');
  const [selected] = await pool.query<QueryRow[]>({
    sql: `SELECT ${exactSelectList(schema.columns)} FROM all_types ORDER BY id`,
    ...exactQueryOptions(schema.columns),
  });
  const rows = asRows(selected);
  return new Map(rows.map((row): [number, Row] => [Number(row.id), row]));
}

const servers = [
  { flavor: 'mariadb', url: testServerUrl('local'), skipped: false },
  { flavor: 'mysql', url: testServerUrl('mysqlLocal'), skipped: inject('oracleMysqlSkipped') !== '' },
];

describe.each(servers)('binlog values on $flavor', (server) => {
  let source: BinlogSource | undefined;
  let pool: Pool | undefined;
  let scratch: TestDatabase | undefined;

  afterEach(async () => {
    await source?.stop();
    await pool?.end();
    await scratch?.[Symbol.asyncDispose]();
    source = undefined;
    pool = undefined;
    scratch = undefined;
  });

  it.skipIf(server.skipped)(
    'decodes every column type exactly as it is selected, for inserts, updates and deletes',
    async () => {
      scratch = await createTestDatabase(server.url, 'binlog_values');
      await scratch.query(
        `CREATE TABLE all_types (${columnDefinitions}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      );
      pool = createMysqlPool({ ...scratch.server, database: scratch.name });
      const handler = new RecordingHandler();
      source = new BinlogSource({
        side: 'local',
        endpoint: { ...scratch.server, database: scratch.name },
        database: scratch.name,
        tables: ['all_types'],
        serverId: 9101,
        startPosition: await readCurrentPosition(pool),
        heartbeatIntervalMs: 1_000,
        reconnectInitialDelayMs: 100,
        reconnectMaxDelayMs: 1_000,
        handler,
        logger: createTestLogger(),
      });
      source.start();

      for (const row of rows) {
        const { sql, values } = insertStatement(row);
        await scratch.query(sql, values);
      }
      await scratch.query(`SET SESSION sql_mode = ''; ${relaxedRow}; SET SESSION sql_mode = DEFAULT`);
      const inserted = await selectRows(pool, scratch.name);
      await scratch.query(
        `UPDATE all_types SET version = version + 1, c_float = c_float / 3, c_varchar = CONCAT('🎉', c_varchar),
         c_blob = REVERSE(c_blob), c_year = IF(c_year = 0, 1999, 0), c_time6 = '-01:02:03.456789'`,
      );
      const updated = await selectRows(pool, scratch.name);
      await scratch.query('DELETE FROM all_types');
      const rowCount = inserted.size;
      expect(rowCount).toBe(rows.length + 1);

      await waitFor(
        () => handler.changes.length >= rowCount * 3,
        `${rowCount * 3} changes`,
        30_000,
        () => `${handler.changes.length} so far`,
      );
      const changes = handler.changes;
      const inserts = changes.filter((change) => change.kind === 'insert');
      const updates = changes.filter((change) => change.kind === 'update');
      const deletes = changes.filter((change) => change.kind === 'delete');
      expect([inserts.length, updates.length, deletes.length]).toEqual([rowCount, rowCount, rowCount]);
      for (const change of inserts) {
        expect(change.after, `insert of row ${String(change.after?.id)}`).toEqual(
          inserted.get(Number(change.after?.id)),
        );
      }
      for (const change of updates) {
        const id = Number(change.after?.id);
        expect(change.before, `update of row ${id}, before`).toEqual(inserted.get(id));
        expect(change.after, `update of row ${id}, after`).toEqual(updated.get(id));
      }
      for (const change of deletes) {
        expect(change.before, `delete of row ${String(change.before?.id)}`).toEqual(
          updated.get(Number(change.before?.id)),
        );
      }
      // Spot checks of the canonical form itself (not just agreement with mysql2).
      const first = inserted.get(1);
      expect(first?.c_bigint_u).toBe('18446744073709551615');
      expect(inserted.get(2)?.c_bigint).toBe('-9223372036854775808');
      expect(inserted.get(3)?.c_bigint).toBe(9007199254740991);
      // The stored float32, exactly (the server prints 3.14159).
      expect(inserted.get(3)?.c_float).toBe(Math.fround(3.14159265));
      expect(inserted.get(6)?.c_year).toBe(0);
      expect(inserted.get(6)?.c_enum).toBe('');
      expect(Buffer.isBuffer(first?.c_bit64)).toBe(true);
    },
  );
});
