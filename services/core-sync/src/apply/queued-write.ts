import type { BinlogPosition } from '../model/index.js';
import type { WriteOperation } from '../target/index.js';

/** The caller of a full-sync refresh, waiting until each of its keys is applied. */
export interface RefreshTicket {
  remaining: number;
  rowsWritten: number;
  readonly resolve: (outcome: { rowsWritten: number }) => void;
  readonly reject: (error: Error) => void;
}

/** One write waiting to be applied, with the source transaction it belongs to. */
export interface QueuedWrite {
  readonly operation: WriteOperation;
  readonly sequence: number;
  readonly commitPosition: BinlogPosition;
  /** Commit time on the source, ms since epoch. */
  readonly commitTimestamp: number;
  /** Set on full-sync refreshes (operation kind `refresh`). */
  readonly refresh?: RefreshTicket;
}

/** One source transaction (or full-sync refresh) queued for apply, with what it depends on. */
export interface QueuedTransaction {
  readonly sequence: number;
  readonly commitPosition: BinlogPosition;
  /** Its writes in source order (changes already applied or held at dispatch are left out). */
  readonly writes: readonly QueuedWrite[];
  /**
   * Its dependency keys (dependency-keys.ts): primary, unique and foreign keys of its rows' before and after
   * images, each with `keyOwners[index]`, the index in `writes` of the row change the key belongs to.
   */
  readonly keys: readonly string[];
  readonly keyOwners: readonly number[];
  /** The tables it writes, in order of first write. */
  readonly tables: readonly string[];
  /** True for a full-sync refresh: it reads whole rows when applied, so it orders against its tables whole. */
  readonly refresh: boolean;
  /**
   * Written with `foreign_key_checks = 1`, so the target runs its own cascades: every change the stream carries,
   * and a full-sync refresh that replays deletes (a delete the source logged, whose cascade it did not log).
   * Other refreshes copy rows in no particular order, without the checks.
   */
  readonly foreignKeyChecks: boolean;
}
