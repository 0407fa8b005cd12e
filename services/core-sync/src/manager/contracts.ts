/**
 * What the HTTP API asks of the rest of the service. The composition root (main.ts) hands the API objects that
 * implement these; the API depends on nothing else of the engine, so its routes are tested against the real
 * implementations and, for input validation and auth, against small in-memory ones.
 */
import type { SyncMode } from '../config/index.js';
import type { ConflictChoice } from '../sync/index.js';
import type { ConflictFilter, ConflictRecord, PageRequest, SyncHistoryEntry } from '../store/index.js';
import type { RunProgress, TablePauseReason } from '../status/index.js';

export interface TriggerRequest {
  /** Configured table names; all configured tables when absent. */
  readonly tables?: readonly string[];
  /** One of the directions the configured mode allows; the configured mode when absent. */
  readonly direction?: SyncMode;
  /** Compare and report what the run would do, writing nothing. */
  readonly dryRun?: boolean;
}

/** Starts, stops and reports full-sync runs. */
export interface SyncControl {
  /**
   * Starts a full sync and returns its first progress. Throws a SyncError: SYNC_ALREADY_RUNNING (409) while a
   * run is active, SYNC_REQUEST_INVALID (400) for an unknown table or a direction the configured mode does not
   * sync.
   */
  trigger(request: TriggerRequest, triggeredBy: string, traceId: string): Promise<RunProgress>;
  /** Stops the active run (whole batches only) and resolves with its final progress; null when none runs. */
  stop(): Promise<RunProgress | null>;
  /** The active run, else the last one since the service started; null before the first. */
  readonly currentRun: RunProgress | null;
  /** Newest first. */
  history(page: PageRequest): Promise<{ entries: SyncHistoryEntry[]; total: number }>;
}

export interface ConflictAccess {
  /** Newest first; `total` counts every conflict that matches. */
  list(filter: ConflictFilter): Promise<{ conflicts: ConflictRecord[]; total: number }>;
  /** Throws CONFLICT_NOT_FOUND (404). */
  get(id: string): Promise<ConflictRecord>;
  /**
   * Writes the chosen version to both sides and marks the conflict resolved. Throws CONFLICT_NOT_FOUND (404),
   * CONFLICT_ALREADY_RESOLVED (409) or CONFLICT_RESOLUTION_INVALID (400, edited data that does not fit the table).
   */
  resolve(id: string, choice: ConflictChoice, resolvedBy: string): Promise<ConflictRecord>;
}

/** A table that was paused when a resume was asked for. */
export interface ResumedTable {
  readonly direction: 'local_to_cloud' | 'cloud_to_local';
  readonly table: string;
  readonly reason: TablePauseReason;
  readonly code: string;
}

/** Resumes paused tables once their cause is fixed, without restarting the process. */
export interface PauseControl {
  /**
   * Restarts the sync service in the process (as a configuration change does): every paused table reads its held
   * changes again from where it paused, and a table whose cause is not fixed pauses again. Resolves with the
   * tables that were paused, once the service runs again. Throws NOTHING_PAUSED (409) when no table is paused,
   * SYNC_ALREADY_RUNNING (409) while a full sync runs.
   */
  resume(resumedBy: string): Promise<{ readonly resumed: readonly ResumedTable[] }>;
}

/** The outcome of a configuration change. */
export interface ConfigUpdateResult {
  /**
   * Key paths (YAML spelling, e.g. `sync.tables`, `scheduler.interval`) this change set whose new values are in
   * effect (applied while running, or back to what the process runs).
   */
  readonly applied: readonly string[];
  /** Key paths saved to the file whose new values take effect only after a restart of the process. */
  readonly restartRequired: readonly string[];
  /** The configuration now in the file, secrets redacted, in the YAML document's shape (snake_case). */
  readonly config: Readonly<Record<string, unknown>>;
}

/** The configuration as saved, and what of it waits for a restart. */
export interface ConfigView {
  /**
   * The configuration as saved (what the config file now says, with the MYSQL_SYNC_* overrides on top), secrets
   * redacted, in the YAML document's shape (snake_case keys): each key is in effect, or listed in
   * `restartRequired`.
   */
  readonly config: Readonly<Record<string, unknown>>;
  /** Key paths whose saved values take effect at the next start (until then the process runs the previous ones). */
  readonly restartRequired: readonly string[];
}

export interface ConfigAccess {
  current(): ConfigView;
  /**
   * Validates a whole configuration document (the shape `current().config` has; a redacted secret left as it was
   * keeps the current value), saves it to the config file atomically (write to a temporary file, then rename),
   * and applies what can change while running. Throws CONFIG_INVALID (400) listing every problem by key path
   * (`details.problems`), changing nothing.
   */
  update(document: unknown, changedBy: string): Promise<ConfigUpdateResult>;
}
