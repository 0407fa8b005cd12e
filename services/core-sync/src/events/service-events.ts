/**
 * What happens inside the service, as typed events on one in-process bus: the sync service and the sync manager
 * publish, the metrics, the SSE stream of the API and the logs subscribe. Publishing is synchronous and cheap;
 * a subscriber that needs to do slow work (write to a socket) buffers on its side.
 *
 * `public` events are the ones API clients may see (the SSE stream replays them); `batch` events are internal
 * (dozens a second under load: they feed the metrics, and the lag sampler's events summarise them for clients).
 */
import type { ConflictType } from '../conflict/index.js';
import type { DirectionName } from '../model/index.js';
import type { DirectionStatus, SchemaChangeView } from '../status/index.js';
import type { RunProgress } from '../status/index.js';

export type { DirectionName } from '../model/index.js';

/** One target transaction of the apply engine committed. */
export interface BatchAppliedEvent {
  readonly type: 'batch';
  readonly direction: DirectionName;
  readonly rowCountByTable: Readonly<Record<string, number>>;
  readonly rowCount: number;
  readonly durationMs: number;
}

/** A direction's status changed (state, stream state, a table paused…). */
export interface DirectionStatusEvent {
  readonly type: 'status';
  readonly direction: DirectionName;
  readonly status: DirectionStatus;
}

/** Sampled about once a second per direction while it streams. */
export interface LagSampleEvent {
  readonly type: 'lag';
  readonly direction: DirectionName;
  /** Source commit to target commit of the last applied transaction; null when nothing was applied yet. */
  readonly lagMs: number | null;
  readonly queueDepth: number;
  /** Rows applied per second since the previous sample. */
  readonly rowsPerSecond: number;
  readonly position: string | null;
}

export interface ConflictDetectedEvent {
  readonly type: 'conflict-detected';
  readonly id: string;
  readonly table: string;
  readonly conflictType: ConflictType;
  readonly strategy: string;
  /** The winning side when the strategy decided; null when the conflict waits for a person. */
  readonly winner: 'local' | 'cloud' | null;
}

export interface ConflictResolvedEvent {
  readonly type: 'conflict-resolved';
  readonly id: string;
  readonly table: string;
  readonly resolvedBy: string;
  /** `local`, `cloud` or `merged` (edited data). */
  readonly resolution: string;
}

/** A schema change (DDL) of a synced table was read, waits, ran on the target, or paused the table. */
export interface SchemaChangeStepEvent {
  readonly type: 'schema-change';
  readonly direction: DirectionName;
  readonly change: SchemaChangeView;
}

/** A full-sync run started, progressed (at most a few times a second) or ended. */
export interface RunProgressEvent {
  readonly type: 'progress';
  readonly progress: RunProgress;
}

export interface RunStateEvent {
  readonly type: 'run';
  readonly progress: RunProgress;
}

export type ServiceEvent =
  | BatchAppliedEvent
  | DirectionStatusEvent
  | LagSampleEvent
  | ConflictDetectedEvent
  | ConflictResolvedEvent
  | RunProgressEvent
  | RunStateEvent
  | SchemaChangeStepEvent;

export type ServiceEventType = ServiceEvent['type'];

/** Event types API clients see on the SSE stream. */
export const publicEventTypes: ReadonlySet<ServiceEventType> = new Set<ServiceEventType>([
  'status',
  'lag',
  'conflict-detected',
  'conflict-resolved',
  'progress',
  'run',
  'schema-change',
]);

export type ServiceEventListener = (event: ServiceEvent) => void;

/** The bus. A listener that throws is logged by the publisher's caller and does not stop the others. */
export class ServiceEvents {
  readonly #listeners = new Set<ServiceEventListener>();
  readonly #onListenerError: (error: unknown, event: ServiceEvent) => void;

  constructor(onListenerError: (error: unknown, event: ServiceEvent) => void) {
    this.#onListenerError = onListenerError;
  }

  /** Returns the function that unsubscribes. */
  subscribe(listener: ServiceEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(event: ServiceEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#onListenerError(error, event);
      }
    }
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }
}
