/**
 * The state store's queries, written once over a small driver that each backend provides (how to run a
 * statement, a transaction, and the few SQL fragments that differ between dialects). Every statement uses
 * placeholders; the backends prepare and cache them. Conflicts and leases have their queries in
 * conflict-queries.ts and lease-queries.ts; store-operations.ts wraps every call.
 */
import { SyncError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import * as conflictQueries from './conflict-queries.js';
import * as leaseQueries from './lease-queries.js';
import {
  checkpointColumns,
  checkpointFromRow,
  checkpointParameters,
  historyChanges,
  historyColumns,
  historyFromRow,
  historyParameters,
  readInteger,
  tableStateColumns,
  tableStateFromRow,
  tableStateParameters,
  type TimestampCodec,
} from './row-mapping.js';
import type {
  CheckpointRecord,
  ConflictFilter,
  LeaseState,
  ConflictRecord,
  ConflictResolution,
  PageRequest,
  StateStore,
  StateStoreAvailability,
  StateStoreDialect,
  SyncHistoryChanges,
  SyncHistoryEntry,
  TableSyncState,
} from './state-store.js';
import { insertSql, pageParameters, type StoreDriver } from './store-driver.js';
import { StoreOperations } from './store-operations.js';

export type { SqlStatement, StoreDriver } from './store-driver.js';

const selectCheckpoints = `SELECT ${checkpointColumns.join(', ')} FROM checkpoints`;
const selectTableStates = `SELECT ${tableStateColumns.join(', ')} FROM sync_state`;
const selectHistory = `SELECT ${historyColumns.join(', ')} FROM sync_history`;

export class SqlStateStore implements StateStore {
  readonly dialect: StateStoreDialect;
  readonly #driver: StoreDriver;
  readonly #timestamps: TimestampCodec;
  readonly #upsertCheckpointSql: string;
  readonly #upsertTableStateSql: string;
  readonly #operations: StoreOperations;

  constructor(driver: StoreDriver, logger?: Logger) {
    this.#driver = driver;
    this.#operations = new StoreOperations(driver, logger?.child({ component: 'state-store' }));
    this.dialect = driver.dialect;
    this.#timestamps = driver.timestamps;
    this.#upsertCheckpointSql = driver.upsertSql('checkpoints', checkpointColumns, ['source_name', 'slot']);
    this.#upsertTableStateSql = driver.upsertSql('sync_state', tableStateColumns, [
      'table_name',
      'sync_direction',
    ]);
  }

  get availability(): StateStoreAvailability {
    return this.#operations.availability;
  }

  async checkAvailability(): Promise<StateStoreAvailability> {
    // A failure is recorded in `availability` (and logged once per outage) by #attempt: nothing more to do here.
    await this.ping().catch(() => undefined);
    return this.#operations.availability;
  }

  async close(): Promise<void> {
    if (this.#operations.closed) return;
    this.#operations.markClosed();
    try {
      await this.#driver.close();
    } catch (error) {
      throw new SyncError('STATE_STORE_FAILED', `failed to close the ${this.dialect} state store`, {
        cause: error,
      });
    }
  }

  ping(): Promise<void> {
    return this.#attempt('ping', () => this.#driver.ping());
  }

  saveCheckpoints(records: CheckpointRecord[]): Promise<void> {
    return this.#attempt('save checkpoints', async () => {
      if (records.length === 0) return;
      const statements = records.map((record) => ({
        sql: this.#upsertCheckpointSql,
        parameters: checkpointParameters(record, this.#timestamps),
      }));
      await this.#driver.executeInTransaction(statements);
    });
  }

  loadCheckpoints(sourceName: string): Promise<CheckpointRecord[]> {
    return this.#attempt('load checkpoints', async () => {
      const rows = await this.#driver.select(`${selectCheckpoints} WHERE source_name = ? ORDER BY slot`, [
        sourceName,
      ]);
      return rows.map((row) => checkpointFromRow(row, this.#timestamps));
    });
  }

  deleteCheckpoints(sourceName: string, slotPrefix?: string): Promise<void> {
    return this.#attempt('delete checkpoints', async () => {
      if (slotPrefix === undefined) {
        await this.#driver.execute('DELETE FROM checkpoints WHERE source_name = ?', [sourceName]);
        return;
      }
      const slotMatch = this.#driver.startsWith('slot', slotPrefix);
      await this.#driver.execute(`DELETE FROM checkpoints WHERE source_name = ? AND ${slotMatch.sql}`, [
        sourceName,
        ...slotMatch.parameters,
      ]);
    });
  }

  upsertTableState(state: TableSyncState): Promise<void> {
    return this.#attempt('save the table state', async () => {
      await this.#driver.execute(this.#upsertTableStateSql, tableStateParameters(state, this.#timestamps));
    });
  }

  listTableStates(): Promise<TableSyncState[]> {
    return this.#attempt('list table states', async () => {
      const rows = await this.#driver.select(`${selectTableStates} ORDER BY table_name, sync_direction`, []);
      return rows.map((row) => tableStateFromRow(row, this.#timestamps));
    });
  }

  insertHistory(entry: SyncHistoryEntry): Promise<void> {
    return this.#attempt('insert a sync history entry', async () => {
      await this.#driver.execute(
        insertSql('sync_history', historyColumns),
        historyParameters(entry, this.#timestamps),
      );
    });
  }

  updateHistory(id: string, changes: SyncHistoryChanges): Promise<void> {
    return this.#attempt('update a sync history entry', async () => {
      const update = historyChanges(changes, this.#timestamps);
      if (update.columns.length === 0) return;
      const assignments = update.columns.map((column) => `${column} = ?`).join(', ');
      await this.#driver.execute(`UPDATE sync_history SET ${assignments} WHERE id = ?`, [
        ...update.parameters,
        id,
      ]);
    });
  }

  endRunningHistory(changes: SyncHistoryChanges, exceptIds: readonly string[]): Promise<number> {
    return this.#attempt('end the sync history entries left running', async () => {
      const update = historyChanges(changes, this.#timestamps);
      if (update.columns.length === 0) return 0;
      const assignments = update.columns.map((column) => `${column} = ?`).join(', ');
      const kept = exceptIds.length === 0 ? '' : ` AND id NOT IN (${exceptIds.map(() => '?').join(', ')})`;
      return this.#driver.execute(`UPDATE sync_history SET ${assignments} WHERE status = 'running'${kept}`, [
        ...update.parameters,
        ...exceptIds,
      ]);
    });
  }

  getHistory(id: string): Promise<SyncHistoryEntry | undefined> {
    return this.#attempt('read a sync history entry', async () => {
      const [row] = await this.#driver.select(`${selectHistory} WHERE id = ?`, [id]);
      return row === undefined ? undefined : historyFromRow(row, this.#timestamps);
    });
  }

  listHistory(page: PageRequest): Promise<{ entries: SyncHistoryEntry[]; total: number }> {
    return this.#attempt('list sync history', async () => {
      const rows = await this.#driver.select(
        `${selectHistory} ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?`,
        pageParameters(page),
      );
      const [countRow] = await this.#driver.select('SELECT COUNT(*) AS total FROM sync_history', []);
      return {
        entries: rows.map((row) => historyFromRow(row, this.#timestamps)),
        total: countRow === undefined ? 0 : readInteger(countRow, 'total'),
      };
    });
  }

  insertConflict(conflict: ConflictRecord): Promise<void> {
    return this.#attempt('insert a conflict', () => conflictQueries.insertConflict(this.#driver, conflict));
  }

  saveConflict(conflict: ConflictRecord): Promise<void> {
    return this.#attempt('save a conflict', () => conflictQueries.saveConflict(this.#driver, conflict));
  }

  updateConflictData(id: string, side: 'local' | 'cloud', data: unknown): Promise<void> {
    return this.#attempt('update a conflict', () =>
      conflictQueries.updateConflictData(this.#driver, id, side, data),
    );
  }

  getConflict(id: string): Promise<ConflictRecord | undefined> {
    return this.#attempt('read a conflict', () => conflictQueries.getConflict(this.#driver, id));
  }

  listConflicts(filter: ConflictFilter): Promise<{ conflicts: ConflictRecord[]; total: number }> {
    return this.#attempt('list conflicts', () => conflictQueries.listConflicts(this.#driver, filter));
  }

  markConflictResolved(id: string, resolution: ConflictResolution): Promise<boolean> {
    return this.#attempt('resolve a conflict', () =>
      conflictQueries.markConflictResolved(this.#driver, id, resolution),
    );
  }

  acquireLease(name: string, holder: string, ttlMs: number): Promise<LeaseState> {
    return this.#attempt('acquire the lease', () =>
      leaseQueries.acquireLease(this.#driver, name, holder, ttlMs),
    );
  }

  releaseLease(name: string, holder: string): Promise<void> {
    return this.#attempt('release the lease', () => leaseQueries.releaseLease(this.#driver, name, holder));
  }

  /** Runs one store operation; any failure becomes a SyncError saying which operation failed. */
  #attempt<Result>(action: string, work: () => Promise<Result>): Promise<Result> {
    return this.#operations.run(action, work);
  }
}
