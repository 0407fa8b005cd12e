/** Records of each kind the state store keeps, with fixed values a test changes only where it needs to. */
import { randomUUID } from 'node:crypto';
import type { CheckpointRecord, ConflictRecord, SyncHistoryEntry, TableSyncState } from '../state-store.js';

export function checkpoint(sourceName: string, slot: string, binlogPosition: number): CheckpointRecord {
  return {
    sourceName,
    slot,
    binlogFile: 'mysql-bin.000042',
    binlogPosition,
    gtid: `0-1-${binlogPosition}`,
    updatedAt: new Date('1999-12-31T23:59:59.999Z'),
  };
}

export function tableState(
  tableName: string,
  syncDirection: string,
  changes: Partial<TableSyncState> = {},
): TableSyncState {
  return {
    tableName,
    syncDirection,
    status: 'running',
    lastSyncTime: new Date('2024-05-01T12:00:00.000Z'),
    binlogFile: 'mysql-bin.000001',
    binlogPosition: 4,
    gtid: null,
    rowsSynced: 0,
    errorMessage: null,
    details: null,
    updatedAt: new Date('2024-05-01T12:00:00.001Z'),
    ...changes,
  };
}

export function historyEntry(startedAt: string, changes: Partial<SyncHistoryEntry> = {}): SyncHistoryEntry {
  return {
    id: randomUUID(),
    kind: 'manual',
    startedAt: new Date(startedAt),
    completedAt: null,
    direction: 'bidirectional',
    tablesSynced: ['orders', 'customers'],
    totalRows: 0,
    rowsChanged: 0,
    conflictsDetected: 0,
    status: 'running',
    errorMessage: null,
    traceId: 'a'.repeat(32),
    triggerSource: 'api:admin',
    ...changes,
  };
}

export function conflict(
  tableName: string,
  detectedAt: string,
  changes: Partial<ConflictRecord> = {},
): ConflictRecord {
  return {
    id: randomUUID(),
    tableName,
    primaryKeyValue: '[42]',
    localData: { id: 42, name: 'local' },
    cloudData: { id: 42, name: 'cloud' },
    conflictType: 'update_update',
    detectedAt: new Date(detectedAt),
    resolved: false,
    resolutionStrategy: null,
    resolvedAt: null,
    resolvedData: null,
    resolvedBy: null,
    resolutionSide: null,
    resolutionColumns: null,
    sourcePosition: 'mysql-bin.000001:1234',
    ...changes,
  };
}
