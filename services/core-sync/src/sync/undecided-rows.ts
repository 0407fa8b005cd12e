/**
 * Rows a full sync found on one side only and whose binlogs cannot tell whether they were added there or deleted
 * on the other side (fullsync/one-sided-rows.ts): each is listed as an open conflict of type `insert_or_delete`,
 * with the row on the side that has it and none on the other, and left as it is. A person settles it like any
 * manual conflict: keeping the row copies it, keeping the absence deletes it. A row already waiting is not listed
 * twice.
 */
import { randomUUID } from 'node:crypto';
import { keyToJson, rowToJson, type ConflictEvent, type OpenConflicts } from '../conflict/index.js';
import type { UndecidedRow } from '../fullsync/index.js';
import type { Logger } from '../logging/index.js';
import { primaryKeyText } from '../model/index.js';
import type { StateStore } from '../store/index.js';

export interface UndecidedRowsOptions {
  readonly table: string;
  readonly primaryKey: readonly string[];
  readonly rows: readonly UndecidedRow[];
  readonly store: StateStore;
  readonly openConflicts: OpenConflicts;
  readonly onConflict: (event: ConflictEvent) => void;
  readonly logger: Logger;
}

export async function listUndecidedRows(options: UndecidedRowsOptions): Promise<void> {
  const { table, primaryKey, store, openConflicts } = options;
  let listed = 0;
  for (const { side, row, reason } of options.rows) {
    const keyText = primaryKeyText(row, primaryKey);
    if (openConflicts.get(table, keyText) !== undefined) continue;
    const id = randomUUID();
    const rowJson = rowToJson(row);
    await store.saveConflict({
      id,
      tableName: table,
      primaryKeyValue: JSON.stringify(keyToJson(row, primaryKey)),
      localData: side === 'local' ? rowJson : null,
      cloudData: side === 'cloud' ? rowJson : null,
      conflictType: 'insert_or_delete',
      detectedAt: new Date(),
      resolved: false,
      resolutionStrategy: null,
      resolvedAt: null,
      resolvedData: null,
      resolvedBy: null,
      resolutionSide: null,
      resolutionColumns: null,
      sourcePosition: null,
    });
    openConflicts.open(table, keyText, id);
    options.onConflict({
      id,
      table,
      type: 'insert_or_delete',
      strategy: 'manual',
      winner: null,
      sourceSide: side,
    });
    options.logger.warn(
      { conflictId: id, table, key: keyToJson(row, primaryKey), side, reason },
      'row on one side only listed as a conflict: the binlogs cannot tell whether it was added or deleted',
    );
    listed += 1;
  }
  if (listed > 0) options.logger.info({ table, listed }, 'rows on one side only listed as conflicts');
}
