/**
 * Resolving a stored conflict by hand (the manual strategy, through the API): the chosen version of the row —
 * one side's, or edited data — is written to both databases, each in a transaction marked as the service's own so
 * neither direction echoes it, and the conflict is marked resolved with who chose what and when.
 */
import { BatchWriter, markerSlot, primaryKeyText, writeMarker } from '../apply/index.js';
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
import { otherSide, type BinlogPosition, type Row, type SideName, type TableSchema } from '../model/index.js';
import { inWriteTransaction, readBinlogEnd, readTableSchema, type Pool } from '../mysql/index.js';
import type { ConflictRecord, StateStore } from '../store/index.js';

/** Keep one side's version, or write edited data (an object of column values keeping the row's key). */
export type ConflictChoice = { readonly side: SideName } | { readonly data: unknown };

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
  const row = chosenRow(conflict, choice, tableConfig.primaryKey, keyText);
  const schemas = new Map<SideName, TableSchema>();
  for (const side of ['local', 'cloud'] as const) {
    const schema = await readTableSchema(pools[side], config.databases[side].database, conflict.tableName);
    if (schema === undefined) throw invalid(`table ${conflict.tableName} does not exist on ${side}`);
    if (row !== null) {
      const known = new Set(schema.columns.map((column) => column.name));
      const unknown = Object.keys(row).filter((column) => !known.has(column));
      if (unknown.length > 0)
        throw invalid(`${side}.${conflict.tableName} has no column ${unknown.join(', ')}`);
    }
    schemas.set(side, schema);
  }
  // Neither direction, nor another resolution of this conflict, decides on the row while both sides are written.
  const release = await options.rowClaims.claim([{ table: conflict.tableName, keyText }]);
  try {
    if ((await store.getConflict(id))?.resolved !== false) {
      throw new SyncError('CONFLICT_ALREADY_RESOLVED', `conflict ${id} was resolved meanwhile`);
    }
    for (const [side, schema] of schemas) {
      const fence = await writeMarked(
        pools[side],
        config.databases[side].database,
        side,
        schema,
        keyText,
        keyRow,
        row,
      );
      options.ownWrites.record(side, conflict.tableName, [keyText], fence);
    }
  } finally {
    release();
  }
  const resolved = await store.markConflictResolved(id, {
    strategy: 'manual',
    resolvedData: row === null ? null : rowToJson(row),
    resolvedBy: options.resolvedBy,
    resolutionSide: 'side' in choice ? choice.side : 'custom',
    resolvedAt: new Date(),
  });
  if (!resolved) throw new SyncError('CONFLICT_ALREADY_RESOLVED', `conflict ${id} was resolved meanwhile`);
  options.openConflicts.close(conflict.tableName, keyText);
  logger.info(
    {
      conflictId: id,
      table: conflict.tableName,
      resolvedBy: options.resolvedBy,
      resolutionSide: 'side' in choice ? choice.side : 'custom',
    },
    'conflict resolved by hand',
  );
  const updated = await store.getConflict(id);
  if (updated === undefined) throw new SyncError('CONFLICT_NOT_FOUND', `conflict ${id} disappeared`);
  return updated;
}

function chosenRow(
  conflict: ConflictRecord,
  choice: ConflictChoice,
  primaryKey: readonly string[],
  keyText: string,
): Row | null {
  if ('side' in choice) {
    const data = choice.side === 'local' ? conflict.localData : conflict.cloudData;
    return data === null || data === undefined ? null : rowFromJson(data);
  }
  let row: Row;
  try {
    row = rowFromJson(choice.data);
  } catch (error) {
    throw invalid(`data: ${error instanceof Error ? error.message : String(error)}`);
  }
  const missing = primaryKey.filter((column) => !(column in row));
  if (missing.length > 0) throw invalid(`data: the primary key column ${missing.join(', ')} is missing`);
  if (primaryKeyText(row, primaryKey) !== keyText) {
    throw invalid(`data: the primary key must stay ${conflict.primaryKeyValue}`);
  }
  return row;
}

async function writeMarked(
  pool: Pool,
  database: string,
  side: SideName,
  schema: TableSchema,
  keyText: string,
  keyRow: Row,
  row: Row | null,
): Promise<BinlogPosition> {
  const writer = new BatchWriter(database, 1);
  try {
    return await inWriteTransaction(pool, async (connection) => {
      // Marked as applied from the other side, so this side's listener drops it.
      await writeMarker(connection, database, otherSide(side), markerSlot('resolution'));
      await writer.writeTable(connection, schema, [
        row === null
          ? { kind: 'delete', table: schema.name, keyText, row: keyRow, before: null }
          : { kind: 'upsert', table: schema.name, keyText, row, before: null },
      ]);
      // Read while the write holds the row's lock: the side's earlier changes of the row are superseded.
      return readBinlogEnd(connection);
    });
  } catch (error) {
    throw new SyncError('APPLY_FAILED', `failed to write the resolution of ${schema.name} to ${side}`, {
      cause: error,
    });
  }
}

function invalid(message: string): SyncError {
  return new SyncError('CONFLICT_RESOLUTION_INVALID', message);
}
