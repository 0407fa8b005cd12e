/**
 * Resolving a stored conflict by hand (the manual strategy, through the API): the chosen version of the row —
 * one side's, or edited data (whole, or filled from one side's stored row: see resolution-row.ts) — is written to
 * both databases, each in a transaction marked as the service's own so neither direction echoes it, and the
 * conflict is marked resolved with who chose what and when.
 */
import { EchoMarkers, BatchWriter } from '../target/index.js';
import {
  primaryKeyText,
  otherSide,
  type BinlogPosition,
  type Row,
  type SideName,
  type TableSchema,
} from '../model/index.js';
import type { ServiceConfig } from '../config/index.js';
import {
  rowFromJson,
  rowToJson,
  type OpenConflicts,
  type OwnWrites,
  type RowClaims,
} from '../conflict/index.js';
import { SyncError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import { classifyDriverError, readBinlogEnd, readTableSchema, type Pool } from '../mysql/index.js';
import type { ConflictRecord, StateStore } from '../store/index.js';
import {
  resolutionRow,
  type ConflictChoice,
  type ResolutionRow,
  type ResolutionTable,
} from './resolution-row.js';

export type { ConflictChoice } from './resolution-row.js';

export interface ResolveConflictOptions {
  readonly id: string;
  readonly choice: ConflictChoice;
  readonly resolvedBy: string;
  readonly config: ServiceConfig;
  readonly store: StateStore;
  readonly pools: Readonly<Record<SideName, Pool>>;
  readonly openConflicts: OpenConflicts;
  /** Shared with both directions: the row is claimed while written, and each side's write is fenced. */
  readonly ownWrites: OwnWrites;
  readonly rowClaims: RowClaims;
  readonly logger: Logger;
}

export async function resolveConflict(options: ResolveConflictOptions): Promise<ConflictRecord> {
  const { id, choice, config, store, pools, logger } = options;
  const conflict = await store.getConflict(id);
  if (conflict === undefined) throw new SyncError('CONFLICT_NOT_FOUND', `no conflict has the id ${id}`);
  if (conflict.resolved) {
    throw new SyncError('CONFLICT_ALREADY_RESOLVED', `conflict ${id} was already resolved`, {
      details: { resolvedBy: conflict.resolvedBy, resolvedAt: conflict.resolvedAt?.toISOString() ?? null },
    });
  }
  const tableConfig = config.sync.tables.find((table) => table.name === conflict.tableName);
  if (tableConfig === undefined) {
    throw invalid(`table ${conflict.tableName} of conflict ${id} is no longer in sync.tables`);
  }
  const keyRow = rowFromJson(JSON.parse(conflict.primaryKeyValue));
  const keyText = primaryKeyText(keyRow, tableConfig.primaryKey);
  const schemas = {
    local: await sideSchema(pools.local, config.databases.local.database, 'local', conflict.tableName),
    cloud: await sideSchema(pools.cloud, config.databases.cloud.database, 'cloud', conflict.tableName),
  };
  const resolution = await writeBothSides(options, {
    table: conflict.tableName,
    keyText,
    keyRow,
    resolutionTable: { primaryKey: tableConfig.primaryKey, schemas },
  });
  const resolved = await store.markConflictResolved(id, {
    strategy: 'manual',
    resolvedData: resolution.row === null ? null : rowToJson(resolution.row),
    resolvedBy: options.resolvedBy,
    resolutionSide: 'side' in choice ? choice.side : 'merged',
    ...(resolution.columns === null ? {} : { resolutionColumns: resolution.columns }),
    resolvedAt: new Date(),
  });
  if (!resolved) throw new SyncError('CONFLICT_ALREADY_RESOLVED', `conflict ${id} was resolved meanwhile`);
  options.openConflicts.close(conflict.tableName, keyText);
  logger.info(
    {
      conflictId: id,
      table: conflict.tableName,
      resolvedBy: options.resolvedBy,
      resolutionSide: 'side' in choice ? choice.side : 'merged',
      ...(resolution.columns === null ? {} : { resolutionColumns: resolution.columns }),
    },
    'conflict resolved by hand',
  );
  const updated = await store.getConflict(id);
  if (updated === undefined) throw new SyncError('CONFLICT_NOT_FOUND', `conflict ${id} disappeared`);
  return updated;
}

/**
 * Builds the row from the conflict as stored now (a later change of the row on either side has replaced its
 * side's row) and writes it to both sides, while neither direction, nor another resolution of this conflict,
 * decides on the row.
 */
async function writeBothSides(
  options: ResolveConflictOptions,
  target: { table: string; keyText: string; keyRow: Row; resolutionTable: ResolutionTable },
): Promise<ResolutionRow> {
  const { id, config, pools } = options;
  const release = await options.rowClaims.claim([{ table: target.table, keyText: target.keyText }]);
  try {
    const current = await options.store.getConflict(id);
    if (current === undefined || current.resolved) {
      throw new SyncError('CONFLICT_ALREADY_RESOLVED', `conflict ${id} was resolved meanwhile`);
    }
    const resolution = resolutionRow(current, options.choice, target.resolutionTable);
    const write = (side: SideName): SideWrite => ({
      pool: pools[side],
      database: config.databases[side].database,
      side,
      schema: target.resolutionTable.schemas[side],
      keyText: target.keyText,
      keyRow: target.keyRow,
      row: resolution.row,
    });
    // Cloud's write is made inside local's transaction: when cloud refuses the row, local's is rolled back.
    const fences = await writeMarked(write('local'), () =>
      writeMarked(write('cloud'), () => Promise.resolve(null)),
    );
    options.ownWrites.record('local', target.table, [target.keyText], fences.fence);
    if (fences.inside !== null) {
      options.ownWrites.record('cloud', target.table, [target.keyText], fences.inside.fence);
    }
    return resolution;
  } finally {
    release();
  }
}

async function sideSchema(pool: Pool, database: string, side: SideName, table: string): Promise<TableSchema> {
  const schema = await readTableSchema(pool, database, table);
  if (schema === undefined) throw invalid(`table ${table} does not exist on ${side}`);
  return schema;
}

interface SideWrite {
  readonly pool: Pool;
  readonly database: string;
  readonly side: SideName;
  readonly schema: TableSchema;
  readonly keyText: string;
  readonly keyRow: Row;
  /** The chosen version; null deletes the row. */
  readonly row: Row | null;
}

/**
 * Writes the chosen version to one side in a marked transaction with the foreign-key checks on (as the stream
 * writes: a cascade runs, and a row whose parent the side lacks is refused), runs `inside` before that transaction
 * commits, and resolves with where the side's binlog was after the write (its fence) and what `inside` gave.
 */
async function writeMarked<Inside>(
  write: SideWrite,
  inside: () => Promise<Inside>,
): Promise<{ fence: BinlogPosition; inside: Inside }> {
  const { pool, database, side, schema, keyText, keyRow, row } = write;
  const writer = new BatchWriter(database, 1);
  // Marked as applied from the other side, so this side's listener drops it.
  const markers = new EchoMarkers(pool, database, otherSide(side), 'manual-resolution');
  try {
    return await markers.run({ foreignKeyChecks: true }, async (connection) => {
      await writer.writeTable(connection, schema, [
        row === null
          ? { kind: 'delete', table: schema.name, keyText, row: keyRow, before: null }
          : { kind: 'upsert', table: schema.name, keyText, row, before: null },
      ]);
      // Read while the write holds the row's lock: the side's earlier changes of the row are superseded.
      const fence = await readBinlogEnd(connection);
      return { fence, inside: await inside() };
    });
  } catch (error) {
    if (error instanceof SyncError) throw error;
    if (classifyDriverError(error) === 'row-rejected') {
      throw new SyncError(
        'CONFLICT_RESOLUTION_REFUSED',
        `${side} refuses the chosen version of ${schema.name} row ${JSON.stringify(rowToJson(keyRow))}: ` +
          `${error instanceof Error ? error.message : String(error)}. Nothing was written on either side; the ` +
          'conflict still waits',
        { cause: error, details: { side, table: schema.name } },
      );
    }
    throw new SyncError('APPLY_FAILED', `failed to write the resolution of ${schema.name} to ${side}`, {
      cause: error,
    });
  }
}

function invalid(message: string): SyncError {
  return new SyncError('CONFLICT_RESOLUTION_INVALID', message);
}
