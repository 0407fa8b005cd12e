import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createTestDatabase } from '../../test/support/test-database.js';
import { createMysqlPool, readServerInfo } from '../mysql/index.js';
import { copyTable } from './table-copier.js';
import { prepareTable } from './table-preparation.js';
import { testServerUrl } from '../../test/support/test-servers.js';

const silentLogger = pino({ level: 'silent' });

describe('copyTable', () => {
  it('creates the missing target table and copies every row exactly', async () => {
    await using source = await createTestDatabase(testServerUrl('local'), 'copy_src');
    await using target = await createTestDatabase(testServerUrl('cloud'), 'copy_dst');
    await source.query(`
      CREATE TABLE items (tenant INT, id BIGINT UNSIGNED, label VARCHAR(40), price DECIMAL(12,4), doc JSON,
        created DATETIME(6), blob_value VARBINARY(16), PRIMARY KEY (tenant, id));
      SET SESSION max_recursive_iterations = 100000;
      INSERT INTO items WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers WHERE n < 2500)
        SELECT n % 3, n * 7, CONCAT('label ', n, ' 😀'), n / 7, JSON_OBJECT('n', n), '2024-02-29 23:59:59.123456' + INTERVAL n SECOND, UNHEX(LPAD(HEX(n), 8, '0'))
        FROM numbers;
    `);
    const sourcePool = createMysqlPool({ ...source.server, database: source.name });
    const targetPool = createMysqlPool({ ...target.server, database: target.name });
    try {
      const pair = await prepareTable({
        table: 'items',
        configuredPrimaryKey: ['tenant', 'id'],
        sourcePool,
        sourceDatabase: source.name,
        sourceLabel: 'local',
        targetPool,
        targetDatabase: target.name,
        targetLabel: 'cloud',
        createMissingTables: true,
        logger: silentLogger,
      });
      expect(pair.created).toBe(true);
      // Rows only the target has, and rows that differ, are repaired by a copy over a non-empty table.
      await target.query(
        "INSERT INTO items (tenant, id, label) VALUES (0, 1, 'extra'), (2, 99999999, 'extra'); ",
      );
      const result = await copyTable({
        sourceEndpoint: source.server,
        sourceDatabase: source.name,
        sourceFlavor: (await readServerInfo(sourcePool)).flavor,
        targetPool,
        targetDatabase: target.name,
        sourceSchema: pair.source,
        targetSchema: pair.target,
        chunkSize: 300,
        writerConnections: 3,
        logger: silentLogger,
      });
      expect(result.rowsCopied).toBe(2500);
      expect(result.rowsDeleted).toBe(2);
      const query = 'SELECT * FROM items ORDER BY tenant, id';
      expect(await target.query(query)).toEqual(await source.query(query));
    } finally {
      await sourcePool.end();
      await targetPool.end();
    }
  });

  it('refuses a table without a primary key, and a target whose columns differ, naming them', async () => {
    await using source = await createTestDatabase(testServerUrl('local'), 'copy_src');
    await using target = await createTestDatabase(testServerUrl('cloud'), 'copy_dst');
    await source.query(
      'CREATE TABLE loose (id INT, note TEXT); CREATE TABLE typed (id INT PRIMARY KEY, note TEXT, extra INT)',
    );
    await target.query('CREATE TABLE typed (id INT PRIMARY KEY, note VARCHAR(10), other INT)');
    const sourcePool = createMysqlPool({ ...source.server, database: source.name });
    const targetPool = createMysqlPool({ ...target.server, database: target.name });
    const base = {
      sourcePool,
      sourceDatabase: source.name,
      sourceLabel: 'local',
      targetPool,
      targetDatabase: target.name,
      targetLabel: 'cloud',
      createMissingTables: true,
      logger: silentLogger,
    };
    try {
      const looseTable = prepareTable({ ...base, table: 'loose', configuredPrimaryKey: ['id'] });
      await expect(looseTable).rejects.toMatchObject({ code: 'TABLE_NO_PRIMARY_KEY' });
      await expect(looseTable).rejects.toThrow(
        /^table loose in local database copy_src_\w+ has no primary key/,
      );
      await expect(
        prepareTable({ ...base, table: 'typed', configuredPrimaryKey: ['id'] }),
      ).rejects.toMatchObject({
        code: 'TABLE_SCHEMA_MISMATCH',
        message:
          'table typed differs between local and cloud: extra is missing on cloud; other exists only on cloud; note (text vs varchar(10)) has another type',
      });
    } finally {
      await sourcePool.end();
      await targetPool.end();
    }
  });
});
