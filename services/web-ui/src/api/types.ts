/**
 * Names for the API's shapes, all taken from the generated OpenAPI types (openapi.d.ts), plus the event-stream
 * payloads, which the OpenAPI document does not describe (docs/api.md "Event stream" does).
 */
import type { components, paths } from './openapi';

type Schemas = components['schemas'];
type JsonOf<Answer> = Answer extends { content: { 'application/json': infer Body } } ? Body : never;

export type RunProgress = Schemas['RunProgress'];
export type TableProgress = RunProgress['tables'][number];
export type DirectionStatus = Schemas['DirectionStatus'];
export type HealthReport = Schemas['HealthReport'];
export type HistoryEntry = Schemas['SyncHistoryEntry'];
export type Conflict = Schemas['Conflict'];
export type ConfigDocument = Schemas['ConfigDocument'];
export type ConfigUpdateResult = Schemas['ConfigUpdateResult'];
export type ConfigView = Schemas['ConfigView'];
export type ErrorBody = Schemas['Error'];
export type TriggerRequest = NonNullable<Schemas['TriggerRequestInput']>;
export type ConflictResolution = Schemas['ConflictResolutionInput'];
export type ResumeResult = Schemas['ResumeResult'];
export type TableStatus = DirectionStatus['tables'][number];
export type TablePause = NonNullable<TableStatus['pause']>;
export type SyncDirection = NonNullable<TriggerRequest['direction']>;

export type StatusResponse = JsonOf<paths['/api/v1/sync/status']['get']['responses'][200]>;
export type HistoryPage = JsonOf<paths['/api/v1/sync/history']['get']['responses'][200]>;
export type ConflictPage = JsonOf<paths['/api/v1/conflicts']['get']['responses'][200]>;
export type HistoryQuery = NonNullable<paths['/api/v1/sync/history']['get']['parameters']['query']>;
export type ConflictQuery = NonNullable<paths['/api/v1/conflicts']['get']['parameters']['query']>;

/** `local_to_cloud` or `cloud_to_local`: one replication direction. */
export type DirectionName = 'local_to_cloud' | 'cloud_to_local';

export function directionName(status: Pick<DirectionStatus, 'source' | 'target'>): DirectionName {
  return status.source === 'local' ? 'local_to_cloud' : 'cloud_to_local';
}

// ── the event stream (GET /api/v1/sync/stream) ─────────────────────────────────────────────────────────────

export interface DirectionStatusEvent {
  readonly type: 'status';
  readonly direction: DirectionName;
  readonly status: DirectionStatus;
}

export interface LagSampleEvent {
  readonly type: 'lag';
  readonly direction: DirectionName;
  readonly lagMs: number | null;
  readonly queueDepth: number;
  readonly rowsPerSecond: number;
  readonly position: string | null;
}

export interface ConflictDetectedEvent {
  readonly type: 'conflict-detected';
  readonly id: string;
  readonly table: string;
  readonly conflictType: string;
  readonly strategy: string;
  readonly winner: 'local' | 'cloud' | null;
}

export interface ConflictResolvedEvent {
  readonly type: 'conflict-resolved';
  readonly id: string;
  readonly table: string;
  readonly resolvedBy: string;
  readonly resolution: string;
}

export interface RunProgressEvent {
  readonly type: 'progress' | 'run';
  readonly progress: RunProgress;
}

/** Sent first after a reconnect whose Last-Event-ID is no longer buffered: reload what is shown. */
export interface ResetEvent {
  readonly type: 'reset';
  readonly reason: string;
}

export type LiveEvent =
  | DirectionStatusEvent
  | LagSampleEvent
  | ConflictDetectedEvent
  | ConflictResolvedEvent
  | RunProgressEvent
  | ResetEvent;

const liveEventTypes = new Set<string>([
  'status',
  'lag',
  'conflict-detected',
  'conflict-resolved',
  'progress',
  'run',
]);

/**
 * A stream message as a typed event; null for event types this dashboard does not know (a newer service may
 * add some). Malformed data throws: the caller shows it.
 */
export function parseLiveEvent(eventName: string, data: string): LiveEvent | null {
  if (eventName === 'reset') {
    const body = JSON.parse(data) as { reason?: unknown };
    return { type: 'reset', reason: typeof body.reason === 'string' ? body.reason : 'events were missed' };
  }
  if (!liveEventTypes.has(eventName)) return null;
  const body = JSON.parse(data) as { type?: unknown };
  if (body.type !== eventName) {
    throw new Error(`the ${eventName} event carries type ${JSON.stringify(body.type)}`);
  }
  return body as LiveEvent;
}
