/**
 * Bidirectional start, before either direction prepares (docs/bidirectional.md, "How a pair starts"): a configured
 * table that exists on one side only is created on the other from its definition, as `sync.create_missing_tables`
 * does one-way (snapshot/table-preparation.ts: the same checks of the table that has it, SHOW CREATE TABLE
 * rewritten, collations mapped, TABLE_CREATE_FAILED when the server refuses it). The created table is empty, so the
 * start plan (bidirectional-plan.ts) copies it from the side that has rows; both sides empty, both stream.
 *
 * Without this step each direction would check the table on its own, and the direction whose source lacks it
 * would stop the start with TABLE_NOT_FOUND. A table on neither side is TABLE_NOT_FOUND naming both databases; a
 * table on one side with create_missing_tables false is TABLE_NOT_FOUND naming the side that lacks it.
 */
import type { ServiceConfig } from '../config/index.js';
import { SyncError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import { otherSide, type SideName } from '../model/index.js';
import { readTableSchema, type Pool } from '../mysql/index.js';
import { prepareTable } from '../snapshot/index.js';

export interface MissingTablesOptions {
  readonly config: ServiceConfig;
  readonly pools: Readonly<Record<SideName, Pool>>;
  readonly logger: Logger;
}

const sides: readonly SideName[] = ['local', 'cloud'];

/**
 * Creates each configured table missing on exactly one side there. The creation logs each table with the side it
 * was created on and the side whose definition it took (`side`, `fromSide`), and the collations it changed.
 */
export async function createTablesMissingOnOneSide(options: MissingTablesOptions): Promise<void> {
  const { config, pools, logger } = options;
  for (const tableConfig of config.sync.tables) {
    const table = tableConfig.name;
    const lacking = await sidesLacking(options, table);
    const [side] = lacking;
    if (side === undefined) continue;
    if (lacking.length === sides.length) throw missingOnBothSides(config, table);
    const fromSide = otherSide(side);
    // The table that exists is checked as a source would be (primary key, columns core-sync can carry) before
    // anything is created; with create_missing_tables false this is TABLE_NOT_FOUND naming `side`.
    await prepareTable({
      table,
      configuredPrimaryKey: tableConfig.primaryKey,
      timestampColumn: tableConfig.timestampColumn,
      sourcePool: pools[fromSide],
      sourceDatabase: config.databases[fromSide].database,
      sourceLabel: fromSide,
      targetPool: pools[side],
      targetDatabase: config.databases[side].database,
      targetLabel: side,
      createMissingTables: config.sync.createMissingTables,
      logger,
    });
  }
}

/** The sides where `table` does not exist. */
async function sidesLacking(options: MissingTablesOptions, table: string): Promise<SideName[]> {
  const lacking: SideName[] = [];
  for (const side of sides) {
    const schema = await readTableSchema(options.pools[side], options.config.databases[side].database, table);
    if (schema === undefined) lacking.push(side);
  }
  return lacking;
}

function missingOnBothSides(config: ServiceConfig, table: string): SyncError {
  const localDatabase = config.databases.local.database;
  const cloudDatabase = config.databases.cloud.database;
  return new SyncError(
    'TABLE_NOT_FOUND',
    `table ${table} exists on neither side: not in local database ${localDatabase}, not in cloud database ` +
      `${cloudDatabase}. Create it on one side, or check sync.tables[].name`,
    { details: { table, databases: { local: localDatabase, cloud: cloudDatabase } } },
  );
}
