import { describe, expect, it } from 'vitest';
import { createSyncFixture, eventually, expectTablesEqual } from '../support/sync-fixture.js';
import { testServerUrl } from '../support/test-servers.js';

const everyTypeTable = `CREATE TABLE every_type (
  id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  tiny_signed TINYINT NULL, tiny_unsigned TINYINT UNSIGNED NULL,
  small_signed SMALLINT NULL, medium_unsigned MEDIUMINT UNSIGNED NULL,
  int_signed INT NULL, int_unsigned INT UNSIGNED NULL,
  big_signed BIGINT NULL, big_unsigned BIGINT UNSIGNED NULL,
  exact DECIMAL(65,30) NULL, money DECIMAL(12,2) NULL,
  float_value FLOAT NULL, double_value DOUBLE NULL,
  date_value DATE NULL, time_value TIME(6) NULL, year_value YEAR NULL,
  datetime0 DATETIME NULL, datetime3 DATETIME(3) NULL, datetime6 DATETIME(6) NULL,
  timestamp0 TIMESTAMP NULL DEFAULT NULL, timestamp6 TIMESTAMP(6) NULL DEFAULT NULL,
  char_value CHAR(10) NULL, varchar_value VARCHAR(255) NULL, text_value TEXT NULL,
  binary_value BINARY(4) NULL, varbinary_value VARBINARY(300) NULL, blob_value BLOB NULL,
  json_value JSON NULL, enum_value ENUM('small','medium','large') NULL, set_value SET('red','green','blue') NULL,
  bit1 BIT(1) NULL, bit64 BIT(64) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`;

const everyTypeRows = `INSERT INTO every_type VALUES
  (1, -128, 255, -32768, 16777215, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
   '-12345678901234567890123456789012345.123456789012345678901234567890', 99999999.99,
   3.14159, 2.718281828459045, '2024-02-29', '-838:59:59.000000', 2155,
   '1000-01-01 00:00:00', '2024-12-31 23:59:59.999', '9999-12-31 23:59:59.999999',
   '1970-01-01 00:00:01', '2038-01-19 03:14:07.999999',
   'fixed', 'emoji 😀 and ünïcödé', REPEAT('long text ', 500),
   0x00FF10AB, 0x000102FEFF, UNHEX(REPEAT('00FF7F80', 64)),
   '{"nested": {"list": [1, 2.5, "three", null, true]}, "big": 12345678901234567890}', 'large', 'red,blue',
   b'1', b'1111111111111111111111111111111111111111111111111111111111111111'),
  (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '0000-00-00', '00:00:00', 0, '0000-00-00 00:00:00',
   '0000-00-00 00:00:00.000', '0000-00-00 00:00:00.000000', NULL, NULL,
   '', '', '', 0x00000000, '', '', '{}', 'small', '', b'0', b'0')`;

describe('one-way sync end to end', () => {
  it('snapshots tables (one of 100,000 rows), then streams inserts, updates and deletes of every type', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'e2e');
    await fixture.source.query(`SET SESSION sql_mode = ''; ${everyTypeTable}; ${everyTypeRows}`);
    await fixture.source.query(`
      SET SESSION max_recursive_iterations = 200000;
      CREATE TABLE big_table (id INT PRIMARY KEY, label VARCHAR(64) NOT NULL, amount DECIMAL(12,2), payload JSON, created DATETIME(6));
      INSERT INTO big_table WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers WHERE n < 100000)
        SELECT n, CONCAT('row ', n), n / 100, JSON_OBJECT('n', n, 'even', n % 2 = 0), '2025-01-01 00:00:00.000001' + INTERVAL n SECOND FROM numbers;
      CREATE TABLE composite (tenant VARCHAR(20), item_id INT, quantity INT, PRIMARY KEY (tenant, item_id));
      INSERT INTO composite VALUES ('acme', 1, 10), ('acme', 2, 20), ('globex', 1, 5);
    `);
    const tables = [
      { name: 'every_type', primary_key: 'id' },
      { name: 'big_table', primary_key: 'id' },
      { name: 'composite', primary_key: 'tenant,item_id' },
    ];
    const running = await fixture.startService(fixture.configDocument({ tables }));

    await expectTablesEqual(fixture, 'every_type', 'id');
    await expectTablesEqual(fixture, 'big_table', 'id');
    await expectTablesEqual(fixture, 'composite', 'tenant, item_id');

    await fixture.source.query(`
      SET SESSION sql_mode = '';
      INSERT INTO every_type SELECT id + 100, tiny_signed, tiny_unsigned, small_signed, medium_unsigned, int_signed, int_unsigned,
        big_signed, big_unsigned, exact, money, float_value, double_value, date_value, time_value, year_value, datetime0,
        datetime3, datetime6, timestamp0, timestamp6, char_value, varchar_value, text_value, binary_value, varbinary_value,
        blob_value, json_value, enum_value, set_value, bit1, bit64 FROM every_type;
      UPDATE every_type SET varchar_value = CONCAT(varchar_value, ' ✓'), big_unsigned = 18446744073709551614,
        exact = '0.000000000000000000000000000001', datetime6 = '2001-02-03 04:05:06.000007', json_value = '[1,{"a":"b"}]',
        set_value = 'green', bit64 = b'101', blob_value = 0x00 WHERE id = 1;
      UPDATE every_type SET id = 50 WHERE id = 2;
      DELETE FROM every_type WHERE id = 3;
      UPDATE big_table SET amount = amount * 2, label = CONCAT(label, ' changed') WHERE id % 1000 = 0;
      DELETE FROM big_table WHERE id BETWEEN 500 AND 699;
      INSERT INTO big_table VALUES (100001, 'new', NULL, NULL, NULL);
      START TRANSACTION;
      UPDATE composite SET quantity = quantity + 1 WHERE tenant = 'acme';
      DELETE FROM composite WHERE tenant = 'globex';
      INSERT INTO composite VALUES ('initech', 7, 70);
      COMMIT;
    `);
    await eventually(async () => {
      await expectTablesEqual(fixture, 'every_type', 'id');
      await expectTablesEqual(fixture, 'big_table', 'id');
      await expectTablesEqual(fixture, 'composite', 'tenant, item_id');
    }, 30_000);
    const [direction] = running.service.status.directions;
    expect(direction?.state).toBe('streaming');
    expect(direction?.tables.map((table) => table.state)).toEqual(['streaming', 'streaming', 'streaming']);
  });

  it('refuses to start when a configured table has no primary key, naming it', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'nopk');
    await fixture.source.query('CREATE TABLE keyless_log (message TEXT)');
    await expect(
      fixture.startService(fixture.configDocument({ tables: [{ name: 'keyless_log', primary_key: 'id' }] })),
    ).rejects.toMatchObject({
      code: 'TABLE_NO_PRIMARY_KEY',
      message: expect.stringMatching(/^table keyless_log in local database/) as unknown,
    });
  });
});
