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

export interface ServiceStatus {
  readonly mode: SyncMode;
  /** With high_availability: whether this replica leads (streams and applies) or stands by. */
  readonly role?: 'leader' | 'standby';
  readonly directions: readonly DirectionStatus[];
  /** Absent where no store is attached (tests). */
  readonly stateStore?: StateStoreView;
  /** Bidirectional: tables adopted with rows on both sides whose differences no run has settled yet. */
  readonly adoptingTables?: readonly string[];
}
