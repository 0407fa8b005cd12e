/**
 * The state store: where core-sync keeps what it must remember between runs and show on the API — per-table
 * sync state, conflicts waiting for a decision, the history of sync runs, and a copy of the binlog checkpoints.
 * One interface, two backends (SQLite file or MySQL database); only core-sync touches it.
 *
 * Times are `Date`s stored with millisecond precision in UTC. JSON-valued fields hold any JSON value and come
 * back exactly as written (object key order, strings that spell BIGINT/DECIMAL values); `null` and `undefined`
 * are stored as SQL NULL and come back as `null`; a `bigint` inside a value is stored as its decimal string.
 * Every failure is a `SyncError` with code STATE_STORE_UNAVAILABLE when the store cannot be reached (a MySQL
 * server gone, refused, timed out; a SQLite file that cannot be opened or written), STATE_STORE_FAILED otherwise
 * (MIGRATION_FAILED when opening). An outage is tracked in `availability` and logged once, when it begins and when
 * it ends, not at every failed call.
 */
import type { Logger } from '../logging/index.js';

export type StateStoreDialect = 'sqlite' | 'mysql';

export interface OpenStateStoreOptions {
  /**
   * The `migrations/` directory holding one folder per dialect. Found from the package when omitted (the
   * nearest ancestor directory of this module with `migrations/sqlite/` in it; works from `src/` and `dist/`).
   */
  readonly migrationsDirectory?: string;
  /** Where applied migrations are logged. */
  readonly logger?: Logger;
}

/** Where the store lives: the shape of the config module's `StateStorageConfig`. */
export type StateStoreConfig =
  | { readonly type: 'sqlite'; readonly filePath: string }
  | {
      readonly type: 'mysql';
      readonly host: string;
      readonly port: number;
      readonly user: string;
      readonly password: string;
      readonly database: string;
    };

/** The last committed position of one source for one apply slot (partition), as the engine wrote it on the target. */
export interface CheckpointRecord {
  /** The source whose binlog the position is in ("local" or "cloud"). */
  readonly sourceName: string;
  /** The apply partition (or other position holder) the position belongs to. */
  readonly slot: string;
  readonly binlogFile: string;
  readonly binlogPosition: number;
  /** MariaDB `domain-server-seq` list or MySQL GTID set; null where the server has none. */
  readonly gtid: string | null;
  readonly updatedAt: Date;
}

/** The sync state of one table in one direction. */
export interface TableSyncState {
  readonly tableName: string;
  /** For example `local_to_cloud` or `cloud_to_local`. */
  readonly syncDirection: string;
  /** For example `running`, `paused` or `error`; the reason goes in `errorMessage` and `details`. */
  readonly status: string;
  readonly lastSyncTime: Date | null;
  readonly binlogFile: string | null;
  readonly binlogPosition: number | null;
  readonly gtid: string | null;
  readonly rowsSynced: number;
  readonly errorMessage: string | null;
  readonly details: Record<string, unknown> | null;
  readonly updatedAt: Date;
}

export const syncHistoryKinds = ['initial', 'manual', 'scheduled', 'fallback', 'adoption'] as const;
export type SyncHistoryKind = (typeof syncHistoryKinds)[number];

/** One sync run. */
export interface SyncHistoryEntry {
  /** A UUID chosen by the caller. */
  readonly id: string;
  readonly kind: SyncHistoryKind;
  readonly startedAt: Date;
  readonly completedAt: Date | null;
  readonly direction: string;
  readonly tablesSynced: string[];
  readonly totalRows: number;
  readonly rowsChanged: number;
  readonly conflictsDetected: number;
  readonly status: string;
  readonly errorMessage: string | null;
  readonly traceId: string | null;
  /** Who or what started the run (an API token name, `cron`, `binlog-fallback`…). */
  readonly triggerSource: string | null;
}

/** A conflict between the two sides' versions of one row. */
export interface ConflictRecord {
  /** A UUID chosen by the caller. */
  readonly id: string;
  readonly tableName: string;
  /** The row's primary key, serialised by the caller (for example a JSON array of the key columns). */
  readonly primaryKeyValue: string;
  /** The local row (any JSON value; null when the row is absent there). */
  readonly localData: unknown;
  /** The cloud row (any JSON value; null when the row is absent there). */
  readonly cloudData: unknown;
  readonly conflictType: string;
  readonly detectedAt: Date;
  readonly resolved: boolean;
  readonly resolutionStrategy: string | null;
  readonly resolvedAt: Date | null;
  readonly resolvedData: unknown;
  readonly resolvedBy: string | null;
  readonly resolutionSide: string | null;
  /** For a resolution with edited data: which columns were given and which were filled from which side. */
  readonly resolutionColumns: ResolutionColumns | null;
  /** The source position of the change that met the conflict, serialised by the caller. */
  readonly sourcePosition: string | null;
}

/**
 * How the row of a resolution with edited data was made: the columns the caller gave, and the columns left out
 * that were taken from one side's stored row (both lists in table order).
 */
export interface ResolutionColumns {
  readonly given: readonly string[];
  /** The side whose stored row filled `filled`; null when nothing was filled. */
  readonly filledFrom: 'local' | 'cloud' | null;
  readonly filled: readonly string[];
}

export interface ConflictResolution {
  readonly strategy: string;
  readonly resolvedData: unknown;
  readonly resolvedBy: string;
  readonly resolutionSide?: string;
  readonly resolutionColumns?: ResolutionColumns;
  readonly resolvedAt: Date;
}

export interface PageRequest {
  /** A non-negative integer. */
  readonly limit: number;
  /** A non-negative integer. */
  readonly offset: number;
}

export interface ConflictFilter extends PageRequest {
  readonly tableName?: string;
  readonly resolved?: boolean;
}

export type SyncHistoryChanges = Partial<Omit<SyncHistoryEntry, 'id'>>;

/** The leadership lease of a replica set, as the store saw it after an acquire. */
export interface LeaseState {
  readonly name: string;
  readonly holder: string;
  /** Grows by one each time the lease changes hands. */
  readonly epoch: number;
  readonly expiresAt: Date;
  /** True when the caller holds the lease now (acquired or renewed by this call). */
  readonly held: boolean;
}

/** Whether the store answers, as its calls last found it. */
export interface StateStoreAvailability {
  readonly available: boolean;
  /** When the current outage began (null while available). */
  readonly unavailableSince: Date | null;
  /** What the last failed call met (null while available). */
  readonly error: { readonly code: 'STATE_STORE_UNAVAILABLE'; readonly message: string } | null;
}

export interface StateStore {
  readonly dialect: StateStoreDialect;
  readonly availability: StateStoreAvailability;
  /** Pings the store (so an outage, or its end, is noticed while nothing else calls it); never rejects. */
  checkAvailability(): Promise<StateStoreAvailability>;
  /** Closes the connections; safe to call twice. */
  close(): Promise<void>;
  /** Resolves when the store answers; throws STATE_STORE_FAILED when it does not. */
  ping(): Promise<void>;

  /** Inserts or replaces the records (by source name and slot), all in one transaction. */
  saveCheckpoints(records: CheckpointRecord[]): Promise<void>;
  /** The source's checkpoints ordered by slot. */
  loadCheckpoints(sourceName: string): Promise<CheckpointRecord[]>;
  /** Deletes the source's checkpoints, or only those whose slot starts with `slotPrefix` (case-sensitive). */
  deleteCheckpoints(sourceName: string, slotPrefix?: string): Promise<void>;

  /** Inserts or replaces the state of (tableName, syncDirection). */
  upsertTableState(state: TableSyncState): Promise<void>;
  /** Every table state ordered by table name, then direction. */
  listTableStates(): Promise<TableSyncState[]>;

  insertHistory(entry: SyncHistoryEntry): Promise<void>;
  /** Changes the given fields of an entry; a missing id changes nothing. */
  updateHistory(id: string, changes: SyncHistoryChanges): Promise<void>;
  /**
   * Ends every entry still `running`, except those in `exceptIds`, with `changes` (an earlier process's runs: it
   * stopped before recording their end). Resolves with how many it ended.
   */
  endRunningHistory(changes: SyncHistoryChanges, exceptIds: readonly string[]): Promise<number>;
  getHistory(id: string): Promise<SyncHistoryEntry | undefined>;
  /** Newest first (by start time); `total` counts every entry. */
  listHistory(page: PageRequest): Promise<{ entries: SyncHistoryEntry[]; total: number }>;

  insertConflict(conflict: ConflictRecord): Promise<void>;
  /**
   * Inserts the conflict, or replaces it when its id exists and it is still unresolved: the apply engine saves
   * a conflict with an id derived from the change, so a batch retried after a failure records it once.
   */
  saveConflict(conflict: ConflictRecord): Promise<void>;
  /** Replaces one side's row of an unresolved conflict (a later change of that row on that side). */
  updateConflictData(id: string, side: 'local' | 'cloud', data: unknown): Promise<void>;
  getConflict(id: string): Promise<ConflictRecord | undefined>;
  /** Newest first (by detection time); `total` counts every conflict that matches the filter. */
  listConflicts(filter: ConflictFilter): Promise<{ conflicts: ConflictRecord[]; total: number }>;
  /**
   * Marks an unresolved conflict resolved, atomically: true when this call resolved it, false when it was
   * already resolved (by anyone) or does not exist.
   */
  markConflictResolved(id: string, resolution: ConflictResolution): Promise<boolean>;

  /**
   * Takes or renews the lease `name` for `holder` for `ttlMs` (by the store's clock): renewed when the holder
   * has it and it has not expired; taken, with the epoch one higher, when it has expired or never existed;
   * otherwise left to its holder. Atomic across processes sharing the store.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<LeaseState>;
  /** Ends the holder's lease now, so a standby can take it at once; does nothing when another holds it. */
  releaseLease(name: string, holder: string): Promise<void>;
}
