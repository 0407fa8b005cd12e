import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { formatServerUrl } from '../../test/support/server-url.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { parseConfig } from '../config/index.js';
import { createMysqlPool } from '../mysql/index.js';
import { SandboxServer } from '../sandbox/index.js';
import { checkBidirectionalSetup } from './loop-checks.js';
import { testServerUrl } from '../../test/support/test-servers.js';

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

const manualTables = [
  { name: 'orders', primary_key: 'id', conflict_resolution: 'manual' },
  { name: 'notes', primary_key: 'id', conflict_resolution: 'manual' },
];

async function runChecks(
  local: TestDatabase,
  cloud: TestDatabase,
  syncedTables: readonly Record<string, unknown>[] = manualTables,
): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: 'warn' },
    { write: (line: string) => lines.push(JSON.parse(line) as LogLine) },
  );
  const side = (database: TestDatabase): Record<string, unknown> => ({
    ...database.server,
    database: database.name,
  });
  const config = parseConfig(
    {
      databases: { local: side(local), cloud: side(cloud) },
      sync: {
        mode: 'bidirectional',
        tables: syncedTables,
      },
    },
    'test',
  );
  const pools = {
    local: createMysqlPool({ ...local.server, database: local.name }),
    cloud: createMysqlPool({ ...cloud.server, database: cloud.name }),
  };
  try {
    await checkBidirectionalSetup({ config, pools, logger });
  } finally {
    await pools.local.end();
    await pools.cloud.end();
  }
  return lines;
}

const tables = `
  CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, total INT);
  CREATE TABLE notes (id INT PRIMARY KEY, body TEXT);
  CREATE TABLE audit (note_id INT)`;

describe('bidirectional start-up checks', () => {
  it('warns about triggers on synced tables and about auto-increment settings that collide', async () => {
    await using local = await createTestDatabase(testServerUrl('local'), 'checks_local');
    await using cloud = await createTestDatabase(testServerUrl('cloud'), 'checks_cloud');
    await local.query(tables);
    await cloud.query(tables);
    await cloud.query(
      'CREATE TRIGGER notes_audit AFTER INSERT ON notes FOR EACH ROW INSERT INTO audit VALUES (NEW.id)',
    );
    const warnings = await runChecks(local, cloud);
    expect(warnings.map((line) => line.msg)).toEqual([
      expect.stringMatching(/^a synced table has a trigger/) as unknown,
      expect.stringMatching(/auto_increment_increment = 2 on both servers/) as unknown,
    ]);
    expect(warnings[0]).toMatchObject({ side: 'cloud', table: 'notes', trigger: 'notes_audit' });
    expect(warnings[1]).toMatchObject({ tables: ['orders'] });
  });

  it('warns when tables linked by a foreign key settle conflicts differently, and only then', async () => {
    await using local = await createTestDatabase(testServerUrl('local'), 'links_local');
    await using cloud = await createTestDatabase(testServerUrl('cloud'), 'links_cloud');
    const linked = `
      CREATE TABLE orders (id INT PRIMARY KEY);
      CREATE TABLE notes (id INT PRIMARY KEY, order_id INT, CONSTRAINT note_order FOREIGN KEY (order_id) REFERENCES orders (id))`;
    await local.query(linked);
    await cloud.query(linked);
    const preferring = (orders: string, notes: string): Record<string, unknown>[] => [
      { name: 'orders', primary_key: 'id', conflict_resolution: 'source_priority', prefer: orders },
      { name: 'notes', primary_key: 'id', conflict_resolution: 'source_priority', prefer: notes },
    ];
    const warnings = await runChecks(local, cloud, preferring('cloud', 'local'));
    expect(warnings).toEqual([
      expect.objectContaining({
        table: 'notes',
        references: 'orders',
        foreignKey: 'note_order',
        strategies: { notes: 'source_priority (prefer local)', orders: 'source_priority (prefer cloud)' },
      }),
    ]);
    expect(await runChecks(local, cloud, preferring('cloud', 'cloud'))).toEqual([]);
  });

  it('is quiet when synced tables have no triggers and no AUTO_INCREMENT keys', async () => {
    await using local = await createTestDatabase(testServerUrl('local'), 'quiet_local');
    await using cloud = await createTestDatabase(testServerUrl('cloud'), 'quiet_cloud');
    await local.query('CREATE TABLE orders (id INT PRIMARY KEY); CREATE TABLE notes (id INT PRIMARY KEY)');
    await cloud.query('CREATE TABLE orders (id INT PRIMARY KEY); CREATE TABLE notes (id INT PRIMARY KEY)');
    expect(await runChecks(local, cloud)).toEqual([]);
  });

  it('refuses a server whose binlog filter hides the synced database', async () => {
    const filtered = await SandboxServer.start({
      name: 'test-binlog-filter',
      serverId: 104,
      extraArguments: ['--binlog-do-db=some_other_database'],
    });
    try {
      await using local = await createTestDatabase(formatServerUrl(filtered.connectionInfo), 'filtered');
      await using cloud = await createTestDatabase(testServerUrl('cloud'), 'filtered_cloud');
      await expect(runChecks(local, cloud)).rejects.toMatchObject({
        code: 'SOURCE_SETTINGS_INVALID',
        message: expect.stringMatching(
          /binlog filter \(binlog_do_db=some_other_database.*hides database filtered_/,
        ) as unknown,
      });
    } finally {
      await filtered.destroy();
    }
  }, 120_000);
});
