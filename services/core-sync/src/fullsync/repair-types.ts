/** What a full sync's repairs work with: the directions they write through, and a table's repair. */
import type { RefreshOutcome } from '../apply/index.js';
import type { ConflictTableRule } from '../conflict/index.js';
import type { Logger } from '../logging/index.js';
import type { Row, SideName, TableSchema } from '../model/index.js';
import type { KeyHistoryReader } from './key-history.js';
import type { ChangeTally } from './table-changes.js';
import type { ChunkDifference, CompareSide } from './table-compare.js';

/** What a run needs of one sync direction (the direction pipeline implements it). */
export interface FullSyncDirection {
  readonly source: SideName;
  readonly target: SideName;
  /** Source and target schema of a synced table; undefined when the direction does not sync it. */
  tableSchemas(table: string): { readonly source: TableSchema; readonly target: TableSchema } | undefined;
  /**
   * Brings the target's rows for these keys to the source's current state (apply-engine.ts `refresh`); a key in
   * `deletedRows` the source lacks has its delete replayed on the target (bidirectional).
   */
  refresh(
    table: string,
    keyRows: readonly Row[],
    deletedRows?: ReadonlyMap<string, Row>,
  ): Promise<RefreshOutcome>;
  /** Resolves once everything the direction has read is applied, or after `timeoutMs` (false then). */
  settle(timeoutMs: number): Promise<boolean>;
  /**
   * Resolves once every change committed on the source until now is read and applied (true), or after
   * `timeoutMs` (false); true at once when the direction does not stream.
   */
  catchUp(timeoutMs: number): Promise<boolean>;
  /**
   * Its stream broke and is reconnecting: changes of its source may be on their way. False while it streams or
   * starts, and when it does not stream at all (`realtime: false` between runs).
   */
  readonly streamDown: boolean;
  /** Before a run: a direction that streams only for runs catches up with its source and keeps streaming. */
  openForRun(signal: AbortSignal): Promise<void>;
  /** After a run: such a direction stops streaming again. */
  closeAfterRun(): Promise<void>;
  /**
   * For a preview, which does not open the streams: how many changes of the source a run would apply first
   * (`openForRun`), read from the binlog without applying them; null when there are none waiting for a run (the
   * direction streams, or syncs one way).
   */
  pendingChanges(signal: AbortSignal): Promise<number | null>;
}

/** The columns a table is compared on. */
export interface ComparedColumns {
  /** The table's schema on the reference side (the primary key is the same on both). */
  readonly schema: TableSchema;
  /** Present on both sides, not generated. */
  readonly columns: readonly string[];
  /** Compared columns that are a MySQL JSON column on either side. */
  readonly jsonColumns: readonly string[];
}

/** Settles one table's differing rows, chunk by chunk as the compare finds them. */
export interface TableRepair {
  repair(difference: ChunkDifference): Promise<void>;
  /** The table's compare is over: settles what was held back. */
  finish(): Promise<void>;
}

/** What every table repair is given. */
export interface RepairBasics {
  readonly table: string;
  readonly compared: ComparedColumns;
  /** Count what would be done; write nothing. */
  readonly dryRun: boolean;
  readonly tally: ChangeTally;
  /** Rows written on a side (not counting rows that turned out equal). */
  readonly rowsWritten: (rows: number) => void;
}

/** A row on one side only that the binlogs cannot place: listed as a conflict for a person. */
export interface UndecidedRow {
  /** The side that has the row. */
  readonly side: SideName;
  readonly row: Row;
  readonly reason: string;
}

/** What a bidirectional repair (two-way-repair.ts) is given. */
export interface TwoWayRepairOptions extends RepairBasics {
  /** local → cloud: its source is the compare's reference side. */
  readonly forward: FullSyncDirection;
  readonly backward: FullSyncDirection;
  readonly sides: Readonly<Record<SideName, CompareSide>>;
  readonly rule: ConflictTableRule;
  readonly keyHistory: KeyHistoryReader | undefined;
  readonly listUndecided: (table: string, rows: readonly UndecidedRow[]) => Promise<void>;
  /** Whether the table's row with this key waits for a person (an unresolved conflict). */
  readonly hasOpenConflict: (keyText: string) => boolean;
  /**
   * Whether the table is being adopted. Its streams then leave an update of a row the other side lacks to the run
   * (conflict/conflict-checker.ts), so a row on one side only that changed while the run looked at it is placed
   * in its new version, not left to the streams.
   */
  readonly adopting: () => boolean;
  readonly settleTimeoutMs: number;
  /** The run's: stopping the run stops a binlog read under way. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}
