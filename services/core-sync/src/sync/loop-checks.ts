/**
 * Start-up checks for bidirectional sync (docs/bidirectional.md, "No echoes"): what would break the echo filter is
 * refused; what would surprise an operator is warned about, with the settings to use.
 * - A binlog filter (binlog_do_db / binlog_ignore_db) that hides the synced database hides the checkpoint-table
 *   writes that mark the service's own transactions, so they would echo back: refused.
 * - Triggers on synced tables fire when the service applies rows; their writes are part of the applied (marked)
 *   transaction, so they are dropped with the echo and not synced: warned.
 * - Auto-increment keys inserted on both sides collide unless the two sides hand out different values: warned,
 *   with `auto_increment_increment` / `auto_increment_offset` per side.
 * - Tables linked by a foreign key whose conflicts are settled by different strategies (or preferred sides): a
 *   delete of a parent on one side against changes of its children on the other can then keep the children and
 *   delete the parent, leaving children without a parent on both sides: warned.
 */
import type { ServiceConfig } from '../config/index.js';
import { SyncError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { SideName } from '../model/index.js';
import { showBinlogStatus, type Pool, type QueryRow } from '../mysql/index.js';

export interface BidirectionalSetupOptions {
  readonly config: ServiceConfig;
  readonly pools: Readonly<Record<SideName, Pool>>;
  readonly logger: Logger;
}

const sides: readonly SideName[] = ['local', 'cloud'];

export async function checkBidirectionalSetup(options: BidirectionalSetupOptions): Promise<void> {
  const { config, pools, logger } = options;
  const tables = config.sync.tables.map((table) => table.name);
  const synced = new Set(tables);
  const autoIncrement = new Map<SideName, { increment: number; offset: number; tables: string[] }>();
  for (const side of sides) {
    const pool = pools[side];
    const database = config.databases[side].database;
    await checkBinlogFilters(pool, side, database);

    const [triggers] = await pool.query<QueryRow[]>(
      `SELECT EVENT_OBJECT_TABLE AS table_name, TRIGGER_NAME AS trigger_name FROM information_schema.TRIGGERS
        WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE IN (?)`,
      [database, tables],
    );
    // information_schema compares names without regard to case or accents: keep the exact matches only.
    for (const trigger of triggers.filter((row) => synced.has(String(row.table_name)))) {
      logger.warn(
        { side, table: String(trigger.table_name), trigger: String(trigger.trigger_name) },
        'a synced table has a trigger: it fires on rows the service applies, and what it writes then is not ' +
          'synced to the other side (it is part of the applied transaction, which the other side drops as an echo)',
      );
    }

    const [counters] = await pool.query<QueryRow[]>(
      'SELECT @@GLOBAL.auto_increment_increment AS increment, @@GLOBAL.auto_increment_offset AS offset_value',
    );
    const [autoColumns] = await pool.query<QueryRow[]>(
      `SELECT TABLE_NAME AS table_name FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?) AND EXTRA LIKE '%auto_increment%'`,
      [database, tables],
    );
    autoIncrement.set(side, {
      increment: Number(counters[0]?.increment ?? 1),
      offset: Number(counters[0]?.offset_value ?? 1),
      tables: autoColumns.map((row) => String(row.table_name)).filter((table) => synced.has(table)),
    });
  }
  await warnOfMixedStrategies(options);
  const local = autoIncrement.get('local');
  const cloud = autoIncrement.get('cloud');
  if (local === undefined || cloud === undefined) return;
  const autoTables = [...new Set([...local.tables, ...cloud.tables])];
  const collide =
    local.increment < 2 ||
    cloud.increment < 2 ||
    local.increment !== cloud.increment ||
    local.offset % local.increment === cloud.offset % cloud.increment;
  if (autoTables.length > 0 && collide) {
    logger.warn(
      {
        tables: autoTables,
        local: { autoIncrementIncrement: local.increment, autoIncrementOffset: local.offset },
        cloud: { autoIncrementIncrement: cloud.increment, autoIncrementOffset: cloud.offset },
      },
      'synced tables have AUTO_INCREMENT keys and both sides hand out the same values: rows inserted on both ' +
        'sides will collide (insert_insert conflicts). Set auto_increment_increment = 2 on both servers, ' +
        'auto_increment_offset = 1 on local and 2 on cloud',
    );
  }
}

async function checkBinlogFilters(pool: Pool, side: SideName, database: string): Promise<void> {
  const row = await showBinlogStatus(pool);
  if (row === undefined) return;
  const list = (value: unknown): string[] =>
    typeof value === 'string' && value.trim() !== '' ? value.split(',').map((name) => name.trim()) : [];
  const doDatabases = list(row.Binlog_Do_DB);
  const ignoredDatabases = list(row.Binlog_Ignore_DB);
  if ((doDatabases.length > 0 && !doDatabases.includes(database)) || ignoredDatabases.includes(database)) {
    throw new SyncError(
      'SOURCE_SETTINGS_INVALID',
      `the ${side} server's binlog filter (binlog_do_db=${doDatabases.join(',') || '-'}, binlog_ignore_db=` +
        `${ignoredDatabases.join(',') || '-'}) hides database ${database}: its changes and the service's ` +
        'checkpoint-table marks are not in the binlog, so bidirectional sync cannot work. Remove the filter',
      { details: { side, database, doDatabases, ignoredDatabases } },
    );
  }
}

/** How a table's conflicts are settled, as one text: linked tables should have the same. */
function strategyText(table: ServiceConfig['sync']['tables'][number]): string {
  return table.conflictResolution === 'source_priority'
    ? `source_priority (prefer ${table.prefer ?? 'local'})`
    : table.conflictResolution;
}

async function warnOfMixedStrategies(options: BidirectionalSetupOptions): Promise<void> {
  const { config, pools, logger } = options;
  const byName = new Map(config.sync.tables.map((table) => [table.name, table]));
  const [links] = await pools.local.query<QueryRow[]>(
    `SELECT DISTINCT TABLE_NAME AS child, REFERENCED_TABLE_NAME AS parent, CONSTRAINT_NAME AS constraint_name
       FROM information_schema.REFERENTIAL_CONSTRAINTS
      WHERE CONSTRAINT_SCHEMA = ? AND UNIQUE_CONSTRAINT_SCHEMA = ?`,
    [config.databases.local.database, config.databases.local.database],
  );
  for (const link of links) {
    const child = byName.get(String(link.child));
    const parent = byName.get(String(link.parent));
    if (child === undefined || parent === undefined || child === parent) continue;
    if (strategyText(child) === strategyText(parent)) continue;
    logger.warn(
      {
        table: child.name,
        references: parent.name,
        foreignKey: String(link.constraint_name),
        strategies: { [child.name]: strategyText(child), [parent.name]: strategyText(parent) },
      },
      'tables linked by a foreign key settle conflicts differently: a parent deleted on one side while its ' +
        'children change on the other can end deleted with its children kept, on both sides. Give both tables ' +
        'the same conflict_resolution (and prefer)',
    );
  }
}
