/**
 * The state store's queries, written once over a small driver that each backend provides (how to run a
 * statement, a transaction, and the few SQL fragments that differ between dialects). Every statement uses
 * placeholders; the backends prepare and cache them.
 */
import { SyncError, describeError, isSyncError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import {
  checkpointColumns,
  checkpointFromRow,
  checkpointParameters,
  conflictColumns,
  conflictFromRow,
  conflictParameters,
  encodeJson,
  historyChanges,
  historyColumns,
  historyFromRow,
  historyParameters,
  invalidArgument,
  readInteger,
  tableStateColumns,
  tableStateFromRow,
  tableStateParameters,
  type SqlParameter,
  type SqlRow,
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

export interface SqlStatement {
  readonly sql: string;
  readonly parameters: readonly SqlParameter[];
}

/** What a backend provides to the shared store. */
export interface StoreDriver {
  readonly dialect: StateStoreDialect;
  readonly timestamps: TimestampCodec;
  /** Rows of a SELECT. */
  select(sql: string, parameters: readonly SqlParameter[]): Promise<SqlRow[]>;
  /** Runs an INSERT/UPDATE/DELETE and returns the number of rows it changed. */
  execute(sql: string, parameters: readonly SqlParameter[]): Promise<number>;
  /** Runs the statements in one transaction: all of them or none. */
  executeInTransaction(statements: readonly SqlStatement[]): Promise<void>;
  /** An INSERT that replaces the non-key columns of the row when its key exists. */
  upsertSql(table: string, columns: readonly string[], keyColumns: readonly string[]): string;
  /** The store's clock in milliseconds since the epoch, as an SQL expression (leases use the store's time). */
  readonly nowMillisecondsSql: string;
  /** `INSERT` that does nothing when the row's key exists. */
  readonly insertIgnoreSql: string;
  /** A case-sensitive "column starts with prefix" condition and its parameters. */
  startsWith(column: string, prefix: string): SqlStatement;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** True when the error means the store cannot be reached or used at all (not a refused statement). */
  isUnavailable(error: unknown): boolean;
}

function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

function insertSql(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders(columns.length)})`;
}

/**
 * LIMIT/OFFSET values, validated and passed as decimal strings: MySQL 8.0.22+ rejects a LIMIT placeholder
 * bound as a double (which is how mysql2 sends JS numbers), and every engine here accepts the string.
 */
function pageParameters(page: PageRequest): string[] {
  for (const [name, value] of [
    ['limit', page.limit],
    ['offset', page.offset],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw invalidArgument(`${name} must be a non-negative integer, got ${value}`);
    }
  }
  return [String(page.limit), String(page.offset)];
}

const selectCheckpoints = `SELECT ${checkpointColumns.join(', ')} FROM checkpoints`;
const selectTableStates = `SELECT ${tableStateColumns.join(', ')} FROM sync_state`;
const selectHistory = `SELECT ${historyColumns.join(', ')} FROM sync_history`;
const selectConflicts = `SELECT ${conflictColumns.join(', ')} FROM conflicts`;

export class SqlStateStore implements StateStore {
  readonly dialect: StateStoreDialect;
  readonly #driver: StoreDriver;
  readonly #timestamps: TimestampCodec;
  readonly #upsertCheckpointSql: string;
  readonly #upsertTableStateSql: string;
  readonly #log: Logger | undefined;
  #closed = false;
  #availability: StateStoreAvailability = { available: true, unavailableSince: null, error: null };
  /** Calls that failed during the current outage (logged when it ends). */
  #failedDuringOutage = 0;

  constructor(driver: StoreDriver, logger?: Logger) {
    this.#driver = driver;
    this.#log = logger?.child({ component: 'state-store' });
    this.dialect = driver.dialect;
    this.#timestamps = driver.timestamps;
    this.#upsertCheckpointSql = driver.upsertSql('checkpoints', checkpointColumns, ['source_name', 'slot']);
    this.#upsertTableStateSql = driver.upsertSql('sync_state', tableStateColumns, [
      'table_name',
      'sync_direction',
    ]);
  }

  /** Runs one store operation; any failure becomes a SyncError saying which operation failed. */
  async #attempt<Result>(action: string, work: () => Promise<Result>): Promise<Result> {
    if (this.#closed) {
      throw new SyncError(
        'STATE_STORE_FAILED',
        `failed to ${action}: the ${this.dialect} state store is closed`,
      );
    }
    let result: Result;
    try {
      result = await work();
    } catch (error) {
      if (isSyncError(error)) throw error;
      if (this.#driver.isUnavailable(error)) {
        const unavailable = new SyncError(
          'STATE_STORE_UNAVAILABLE',
          `failed to ${action}: the ${this.dialect} state store is unavailable`,
          { cause: error },
        );
        this.#noteUnavailable(unavailable);
        throw unavailable;
      }
      throw new SyncError('STATE_STORE_FAILED', `failed to ${action} in the ${this.dialect} state store`, {
        cause: error,
      });
    }
    this.#noteAvailable();
    return result;
  }

  get availability(): StateStoreAvailability {
    return this.#availability;
  }

  async checkAvailability(): Promise<StateStoreAvailability> {
    // A failure is recorded in `availability` (and logged once per outage) by #attempt: nothing more to do here.
    await this.ping().catch(() => undefined);
    return this.#availability;
  }

  #noteUnavailable(error: SyncError): void {
    this.#failedDuringOutage += 1;
    const first = this.#availability.available;
    this.#availability = {
      available: false,
      unavailableSince: this.#availability.unavailableSince ?? new Date(),
      error: { code: 'STATE_STORE_UNAVAILABLE', message: describeError(error) },
    };
    if (!first) return;
    this.#log?.error(
      { errorCode: error.code, error: describeError(error) },
      'state store unavailable: syncing goes on (checkpoints are on the targets); copies of checkpoints, table states, history and conflicts wait until it is back',
    );
  }

  #noteAvailable(): void {
    const since = this.#availability.unavailableSince;
    if (since === null) return;
    const failedCalls = this.#failedDuringOutage;
    this.#availability = { available: true, unavailableSince: null, error: null };
    this.#failedDuringOutage = 0;
    this.#log?.warn({ outageMs: Date.now() - since.getTime(), failedCalls }, 'state store available again');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
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
    return this.#attempt('insert a conflict', async () => {
      await this.#driver.execute(
        insertSql('conflicts', conflictColumns),
        conflictParameters(conflict, this.#timestamps),
      );
    });
  }

  saveConflict(conflict: ConflictRecord): Promise<void> {
    return this.#attempt('save a conflict', async () => {
      const [existing] = await this.#driver.select('SELECT resolved FROM conflicts WHERE id = ?', [
        conflict.id,
      ]);
      if (existing === undefined) {
        await this.#driver.execute(
          insertSql('conflicts', conflictColumns),
          conflictParameters(conflict, this.#timestamps),
        );
        return;
      }
      if (readInteger(existing, 'resolved') === 1) return;
      await this.#driver.execute(
        `UPDATE conflicts SET ${conflictColumns
          .filter((column) => column !== 'id')
          .map((column) => `${column} = ?`)
          .join(', ')} WHERE id = ? AND resolved = 0`,
        [...conflictParameters(conflict, this.#timestamps).slice(1), conflict.id],
      );
    });
  }

  updateConflictData(id: string, side: 'local' | 'cloud', data: unknown): Promise<void> {
    return this.#attempt('update a conflict', async () => {
      const column = side === 'local' ? 'local_data' : 'cloud_data';
      await this.#driver.execute(`UPDATE conflicts SET ${column} = ? WHERE id = ? AND resolved = 0`, [
        encodeJson(data),
        id,
      ]);
    });
  }

  getConflict(id: string): Promise<ConflictRecord | undefined> {
    return this.#attempt('read a conflict', async () => {
      const [row] = await this.#driver.select(`${selectConflicts} WHERE id = ?`, [id]);
      return row === undefined ? undefined : conflictFromRow(row, this.#timestamps);
    });
  }

  listConflicts(filter: ConflictFilter): Promise<{ conflicts: ConflictRecord[]; total: number }> {
    return this.#attempt('list conflicts', async () => {
      const conditions: string[] = [];
      const parameters: SqlParameter[] = [];
      if (filter.resolved !== undefined) {
        conditions.push('resolved = ?');
        parameters.push(filter.resolved ? 1 : 0);
      }
      if (filter.tableName !== undefined) {
        conditions.push('table_name = ?');
        parameters.push(filter.tableName);
      }
      const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
      const rows = await this.#driver.select(
        `${selectConflicts}${where} ORDER BY detected_at DESC, id DESC LIMIT ? OFFSET ?`,
        [...parameters, ...pageParameters(filter)],
      );
      const [countRow] = await this.#driver.select(
        `SELECT COUNT(*) AS total FROM conflicts${where}`,
        parameters,
      );
      return {
        conflicts: rows.map((row) => conflictFromRow(row, this.#timestamps)),
        total: countRow === undefined ? 0 : readInteger(countRow, 'total'),
      };
    });
  }

  markConflictResolved(id: string, resolution: ConflictResolution): Promise<boolean> {
    return this.#attempt('resolve a conflict', async () => {
      const changedRows = await this.#driver.execute(
        'UPDATE conflicts SET resolved = 1, resolution_strategy = ?, resolved_at = ?, resolved_data = ?, ' +
          'resolved_by = ?, resolution_side = ?, resolution_columns = ? WHERE id = ? AND resolved = 0',
        [
          resolution.strategy,
          this.#timestamps.encode(resolution.resolvedAt),
          encodeJson(resolution.resolvedData),
          resolution.resolvedBy,
          resolution.resolutionSide ?? null,
          encodeJson(resolution.resolutionColumns),
          id,
        ],
      );
      return changedRows === 1;
    });
  }

  acquireLease(name: string, holder: string, ttlMs: number): Promise<LeaseState> {
    return this.#attempt('acquire the lease', async () => {
      if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0)
        throw invalidArgument(`ttlMs must be a positive integer, got ${ttlMs}`);
      const now = this.#driver.nowMillisecondsSql;
      // Each step is one atomic statement: the row lock of the UPDATE decides between replicas racing.
      let held =
        (await this.#driver.execute(
          `${this.#driver.insertIgnoreSql} leases (name, holder, epoch, expires_at_ms, acquired_at_ms) ` +
            `SELECT ?, ?, 1, ${now} + ?, ${now}`,
          [name, holder, ttlMs],
        )) === 1;
      if (!held) {
        held =
          (await this.#driver.execute(
            `UPDATE leases SET expires_at_ms = ${now} + ? WHERE name = ? AND holder = ? AND expires_at_ms > ${now}`,
            [ttlMs, name, holder],
          )) === 1;
      }
      if (!held) {
        held =
          (await this.#driver.execute(
            `UPDATE leases SET holder = ?, epoch = epoch + 1, expires_at_ms = ${now} + ?, acquired_at_ms = ${now} ` +
              `WHERE name = ? AND expires_at_ms <= ${now}`,
            [holder, ttlMs, name],
          )) === 1;
      }
      const [row] = await this.#driver.select(
        'SELECT holder, epoch, expires_at_ms FROM leases WHERE name = ?',
        [name],
      );
      if (row === undefined) throw new Error(`the lease ${name} disappeared while being acquired`);
      const current = String(row.holder);
      return {
        name,
        holder: current,
        epoch: readInteger(row, 'epoch'),
        expiresAt: new Date(readInteger(row, 'expires_at_ms')),
        held: held && current === holder,
      };
    });
  }

  releaseLease(name: string, holder: string): Promise<void> {
    return this.#attempt('release the lease', async () => {
      await this.#driver.execute(
        `UPDATE leases SET expires_at_ms = ${this.#driver.nowMillisecondsSql} WHERE name = ? AND holder = ?`,
        [name, holder],
      );
    });
  }
}
