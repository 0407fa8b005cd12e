/**
 * What a conflict leaves behind: its id (derived from the change, so a retried batch records it once), the record
 * stored with both rows, its type, the strategy and the winner, and the event told to logs, metrics and the API.
 */
import { createHash } from 'node:crypto';
import type { BinlogPosition, Row, SideName, TableSchema } from '../model/index.js';
import type { ConflictRecord } from '../store/index.js';
import type { ConflictType } from './decision.js';
import type { NetRowChange } from './net-changes.js';
import { keyToJson, rowToJson } from './row-json.js';
import type { Resolution } from './strategies.js';

/** What happened to one conflicting row, for logs, metrics and events. */
export interface ConflictEvent {
  readonly id: string;
  readonly table: string;
  readonly type: ConflictType;
  readonly strategy: string;
  /** The winning side, or null when it waits for a person. */
  readonly winner: SideName | null;
  readonly sourceSide: SideName;
}

/** A conflict as the checker met it: the change, the target's row, and how the table's strategy resolved it. */
export interface MetConflict {
  readonly id: string;
  readonly sourceSide: SideName;
  readonly schema: TableSchema;
  readonly change: NetRowChange;
  readonly targetRow: Row | null;
  readonly type: ConflictType;
  readonly strategy: string;
  readonly resolution: Resolution;
}

/** The stored record of a conflict: resolved at once when the strategy is automatic, open when manual. */
export function conflictRecord(conflict: MetConflict): ConflictRecord {
  const { id, sourceSide, schema, change, targetRow, type, strategy, resolution } = conflict;
  const sourceJson = change.after === null ? null : rowToJson(change.after);
  const targetJson = targetRow === null ? null : rowToJson(targetRow);
  const now = new Date();
  const automatic = resolution.kind === 'automatic';
  return {
    id,
    tableName: schema.name,
    primaryKeyValue: JSON.stringify(keyToJson(change.keyRow, schema.primaryKey)),
    localData: sourceSide === 'local' ? sourceJson : targetJson,
    cloudData: sourceSide === 'cloud' ? sourceJson : targetJson,
    conflictType: type,
    detectedAt: now,
    resolved: automatic,
    resolutionStrategy: automatic ? strategy : null,
    resolvedAt: automatic ? now : null,
    resolvedData: automatic && resolution.row !== null ? rowToJson(resolution.row) : null,
    resolvedBy: automatic ? 'system' : null,
    resolutionSide: automatic ? resolution.winner : null,
    resolutionColumns: null,
    sourcePosition: change.last.commitPosition.toString(),
  };
}

/**
 * A UUID-shaped id derived from the change (or, for a row a full sync lists, from where it was found), so the same
 * conflict met again (a retried batch, a second run) has the same id.
 */
export function conflictId(
  sourceSide: SideName,
  table: string,
  keyText: string,
  origin: BinlogPosition | string,
): string {
  const hex = createHash('sha256')
    .update(`${sourceSide}\u0000${table}\u0000${keyText}\u0000${origin.toString()}`)
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
