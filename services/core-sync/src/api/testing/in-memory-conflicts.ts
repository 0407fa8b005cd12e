/**
 * In-memory conflict access for the API's tests: stored conflicts filtered and paged, and resolved by a side or by
 * edited data as the engine would answer, in short.
 */
import { SyncError } from '../../errors/index.js';
import type { ConflictAccess } from '../../manager/index.js';
import type { ConflictFilter, ConflictRecord } from '../../store/index.js';
import { type ConflictChoice } from '../../sync/index.js';

export function conflictRecord(id: string, overrides: Partial<ConflictRecord> = {}): ConflictRecord {
  return {
    id,
    tableName: 'users',
    primaryKeyValue: '[1]',
    localData: { id: 1, name: 'local name' },
    cloudData: { id: 1, name: 'cloud name' },
    conflictType: 'update_update',
    detectedAt: new Date('2025-01-02T03:04:05.000Z'),
    resolved: false,
    resolutionStrategy: null,
    resolvedAt: null,
    resolvedData: null,
    resolvedBy: null,
    resolutionSide: null,
    resolutionColumns: null,
    sourcePosition: 'binlog.000001:4',
    ...overrides,
  };
}

export class InMemoryConflictAccess implements ConflictAccess {
  readonly records = new Map<string, ConflictRecord>();

  constructor(records: readonly ConflictRecord[] = []) {
    for (const record of records) this.records.set(record.id, record);
  }

  list(filter: ConflictFilter): Promise<{ conflicts: ConflictRecord[]; total: number }> {
    const matching = [...this.records.values()].filter(
      (record) =>
        (filter.tableName === undefined || record.tableName === filter.tableName) &&
        (filter.resolved === undefined || record.resolved === filter.resolved),
    );
    return Promise.resolve({
      conflicts: matching.slice(filter.offset, filter.offset + filter.limit),
      total: matching.length,
    });
  }

  get(id: string): Promise<ConflictRecord> {
    const record = this.records.get(id);
    if (record === undefined)
      return Promise.reject(new SyncError('CONFLICT_NOT_FOUND', `no conflict has the id ${id}`));
    return Promise.resolve(record);
  }

  async resolve(id: string, choice: ConflictChoice, resolvedBy: string): Promise<ConflictRecord> {
    const record = await this.get(id);
    if (record.resolved)
      throw new SyncError('CONFLICT_ALREADY_RESOLVED', `conflict ${id} is already resolved`);
    const resolved: ConflictRecord = {
      ...record,
      ...fakeResolution(record, choice),
      resolved: true,
      resolutionStrategy: 'manual',
      resolvedAt: new Date('2025-01-03T00:00:00.000Z'),
      resolvedBy,
    };
    this.records.set(id, resolved);
    return resolved;
  }
}

/** The engine's answer in short: a side's row, or the data with the columns it leaves out from `fillFrom`'s row. */
function fakeResolution(
  record: ConflictRecord,
  choice: ConflictChoice,
): Pick<ConflictRecord, 'resolvedData' | 'resolutionSide' | 'resolutionColumns'> {
  if ('side' in choice) {
    const resolvedData = choice.side === 'local' ? record.localData : record.cloudData;
    return { resolvedData, resolutionSide: choice.side, resolutionColumns: null };
  }
  const data = choice.data as Record<string, unknown>;
  if (!('id' in data)) {
    throw new SyncError('CONFLICT_RESOLUTION_INVALID', 'data: the primary key column id is missing');
  }
  const filler = (choice.fillFrom === 'cloud' ? record.cloudData : record.localData) as Record<
    string,
    unknown
  >;
  const filled =
    choice.fillFrom === undefined ? [] : Object.keys(filler).filter((column) => !(column in data));
  return {
    resolvedData: { ...(choice.fillFrom === undefined ? {} : filler), ...data },
    resolutionSide: 'merged',
    resolutionColumns: {
      given: Object.keys(data),
      filledFrom: filled.length === 0 ? null : (choice.fillFrom ?? null),
      filled,
    },
  };
}
