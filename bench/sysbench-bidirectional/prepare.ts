/**
 * The starting point of a run: sysbench's tables prepared on local only, the same tables created empty on cloud
 * (the service copies local's rows there when it starts), and a heartbeat table on both sides.
 *
 * Why prepare once and let the service copy: sysbench fills `c` and `pad` with random text, so two `prepare`s
 * give two different tables unless every thread's random stream matched; and a bidirectional pair refuses to
 * start on a table that has rows on both sides and no checkpoint (TABLES_DIVERGED: nothing tells whose rows are
 * new). An empty side is what the product's start plan copies into. The tables are created on cloud beforehand
 * (not left to `create_missing_tables`) because both directions check their source table at once when they start.
 */
import { columnText, type Connection } from '../../services/core-sync/src/mysql/index.js';
import type { SandboxServer } from '../../services/core-sync/src/sandbox/index.js';
import { createAppliedAtTrigger } from '../support/commit-clock.js';
import { createHeartbeatTable } from '../support/heartbeats.js';
import { queryRows, recreateDatabase } from '../support/servers.js';
import { formatCount } from '../support/stats.js';
import { runSysbench, sysbenchArguments } from '../support/sysbench.js';
import {
  databases,
  heartbeatTable,
  sides,
  sysbenchTables,
  timestampColumn,
  type ConflictStrategyName,
  type Settings,
  type Side,
} from './settings.js';

export interface SideHandles {
  readonly server: SandboxServer;
  readonly connection: Connection;
}

async function createEmptyCopies(
  local: Connection,
  cloud: Connection,
  tables: readonly string[],
): Promise<void> {
  for (const table of tables) {
    const [row] = await queryRows(local, `SHOW CREATE TABLE \`${databases.local}\`.\`${table}\``);
    const statement = columnText(row?.['Create Table'] ?? '');
    if (statement === '') throw new Error(`SHOW CREATE TABLE ${table} on local returned nothing`);
    await cloud.query(`USE \`${databases.cloud}\``);
    await cloud.query(statement.replace(/ AUTO_INCREMENT=\d+/, ''));
  }
}

/** Prepares both sides for one run under `strategy`; returns how long sysbench's prepare took (ms). */
export async function prepareSides(
  handles: Readonly<Record<Side, SideHandles>>,
  settings: Settings,
  strategy: ConflictStrategyName,
): Promise<number> {
  for (const side of sides) await recreateDatabase(handles[side].connection, databases[side]);
  const preparedAt = performance.now();
  await runSysbench([
    ...sysbenchArguments(handles.local.server, databases.local, {
      workload: settings.workload,
      tables: settings.tables,
      tableSize: settings.tableSize,
      // One thread a table: they are filled at once.
      threads: settings.tables,
    }),
    'prepare',
  ]);
  const prepareMs = performance.now() - preparedAt;
  console.log(
    `  sysbench prepare on local: ${settings.tables} tables of ${formatCount(settings.tableSize)} rows in ${(prepareMs / 1000).toFixed(1)} s`,
  );
  const tables = sysbenchTables(settings);
  if (strategy === 'last_write_wins') {
    for (const table of tables) {
      await handles.local.connection.query(
        `ALTER TABLE \`${databases.local}\`.\`${table}\` ADD COLUMN ${timestampColumn} TIMESTAMP(6) NOT NULL ` +
          'DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)',
      );
    }
  }
  await createEmptyCopies(handles.local.connection, handles.cloud.connection, tables);
  for (const side of sides) {
    const heartbeats = {
      connection: handles[side].connection,
      database: databases[side],
      table: heartbeatTable,
    };
    await createHeartbeatTable(heartbeats);
    await createAppliedAtTrigger(handles[side].connection, databases[side], heartbeatTable);
  }
  return prepareMs;
}
