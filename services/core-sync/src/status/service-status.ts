/** What the service reports as a whole: its mode, its role, each direction, the state store. */
import type { SyncMode } from '../config/index.js';
import type { DirectionStatus } from './direction-status.js';

/** Whether the state store answers (see store/state-store.ts StateStoreAvailability), for the API. */
export interface StateStoreView {
  readonly available: boolean;
  /** ISO time the current outage began; null while available. */
  readonly unavailableSince: string | null;
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** A table being adopted whose last adoption run failed without settling it (the scheduler tries again). */
export interface AdoptionFailure {
  readonly table: string;
  readonly runId: string;
  /** ISO time the run ended. */
  readonly finishedAt: string | null;
  /** Why the run did not settle the table. */
  readonly message: string;
}

export interface ServiceStatus {
  readonly mode: SyncMode;
  /** With high_availability: whether this replica leads (streams and applies) or stands by. */
  readonly role?: 'leader' | 'standby';
  readonly directions: readonly DirectionStatus[];
  /** Absent where no store is attached (tests). */
  readonly stateStore?: StateStoreView;
  /** Bidirectional: tables adopted with rows on both sides whose differences no run has settled yet. */
  readonly adoptingTables?: readonly string[];
  /**
   * Tables whose last adoption run failed (the sync manager's memory since this process started): health is
   * degraded while they are still in `adoptingTables`.
   */
  readonly adoptionFailures?: readonly AdoptionFailure[];
}
