import { describe, expect, it } from 'vitest';
import { createSyncFixture, eventually, expectTablesEqual } from '../support/sync-fixture.js';
import { testServerUrl } from '../support/test-servers.js';

const gadgetsTable = `CREATE TABLE gadgets (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  name VARCHAR(30) NOT NULL DEFAULT 'unnamed',
  price DECIMAL(8,2) DEFAULT NULL,
  tags SET('new','sale') DEFAULT NULL,
  PRIMARY KEY (id),
  KEY by_name (name)
) ENGINE=InnoDB AUTO_INCREMENT=1000 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`;
const gadgetsRows =
  "INSERT INTO gadgets (name, price, tags) VALUES ('widget', 2.50, 'new'), ('sprocket', NULL, '')";
const tables = [{ name: 'gadgets', primary_key: 'id' }];

async function showCreateTable(database: { query: (sql: string) => Promise<unknown[]> }): Promise<string> {
  const [row] = (await database.query('SHOW CREATE TABLE gadgets')) as { 'Create Table': string }[];
  return (row?.['Create Table'] ?? '').replace(/ AUTO_INCREMENT=\d+/, '');
}

describe('start-up checks end to end', () => {
  it("creates a missing target table from the source's definition, then copies and streams it", async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'create');
    await fixture.source.query(`${gadgetsTable}; ${gadgetsRows}`);
    const running = await fixture.startService(fixture.configDocument({ tables }));

    expect(await showCreateTable(fixture.target)).toBe(await showCreateTable(fixture.source));
    await expectTablesEqual(fixture, 'gadgets', 'id');
    await fixture.source.query("INSERT INTO gadgets (name, tags) VALUES ('gizmo', 'new,sale')");
    await eventually(() => expectTablesEqual(fixture, 'gadgets', 'id'), 30_000);
    expect(running.service.status.directions[0]?.tables).toMatchObject([
      { table: 'gadgets', state: 'streaming', rowsCopied: 2 },
    ]);
  });

  it('with create_missing_tables: false, refuses to start, naming the missing table', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'nocreate');
    await fixture.source.query(`${gadgetsTable}; ${gadgetsRows}`);
    await expect(
      fixture.startService(fixture.configDocument({ tables, sync: { create_missing_tables: false } })),
    ).rejects.toMatchObject({
      code: 'TABLE_NOT_FOUND',
      message:
        `table gadgets does not exist in cloud database ${fixture.target.name} (local has it) and ` +
        'sync.create_missing_tables is false: create it on cloud with the same columns and primary key, or set ' +
        'create_missing_tables to true',
    });
    expect(await fixture.target.query("SHOW TABLES LIKE 'gadgets'")).toEqual([]);
  });

  it('refuses to start when the target table has other columns, naming each of them', async () => {
    await using fixture = await createSyncFixture(testServerUrl('local'), testServerUrl('cloud'), 'mismatch');
    await fixture.source.query(`${gadgetsTable}; ${gadgetsRows}`);
    await fixture.target.query(
      "CREATE TABLE gadgets (id BIGINT UNSIGNED PRIMARY KEY, name VARCHAR(10) NOT NULL, colour TEXT, tags SET('new','sale'))",
    );
    await expect(fixture.startService(fixture.configDocument({ tables }))).rejects.toMatchObject({
      code: 'TABLE_SCHEMA_MISMATCH',
      message:
        'table gadgets differs between local and cloud: price is missing on cloud; colour exists only on cloud; name (varchar(30) vs varchar(10)) has another type',
    });
    expect(await fixture.target.query('SELECT * FROM gadgets')).toEqual([]);
  });

  it('an invalid configuration stops start-up with one message listing every problem by key path', async () => {
    await using fixture = await createSyncFixture(
      testServerUrl('local'),
      testServerUrl('cloud'),
      'badconfig',
    );
    const document = fixture.configDocument({
      tables: [
        { name: 'gadgets' },
        { name: 'orders', primary_key: 'id', conflict_resolution: 'last_write_wins' },
      ],
      sync: { mode: 'sideways', batch_insert_size: -5 },
    });
    const service = await fixture.spawnService(document);
    const exitCode =
      service.child.exitCode ??
      (await new Promise<number | null>((resolve) => service.child.once('exit', resolve)));

    expect(exitCode).toBe(2);
    const lines = service.output().trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^mysql-sync: invalid configuration in .*config-\d+\.yaml \(4 problems\):$/),
      'sync.batch_insert_size: must be a positive integer',
      'sync.mode: must be one of "local_to_cloud", "cloud_to_local", "bidirectional"',
      'sync.tables[0].primary_key: required',
      'sync.tables[1].timestamp_column: required when conflict_resolution is last_write_wins',
    ]);
  });
});
