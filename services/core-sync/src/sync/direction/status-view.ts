/** The status view of a direction, built from its parts when asked (`GET /sync/status`, status events). */
import type { ApplyEngine, ApplyFailure } from '../../apply/index.js';
import type { PreparedXaStatus, StreamStatus } from '../../binlog/index.js';
import { SyncError, describeError } from '../../errors/index.js';
import type { SideName } from '../../model/index.js';
import type {
  DirectionState,
  DirectionStatus,
  PreparedXaView,
  SchemaChangeView,
} from '../../status/index.js';
import { describeTargetRefusal } from '../../target/index.js';
import type { DirectionTables } from './direction-tables.js';

/** The status view of the source's prepared XA transactions, with the oldest one's age at `now`. */
export function preparedXaView(status: PreparedXaStatus, now = Date.now()): PreparedXaView {
  const preparedAt = status.oldestPreparedAt;
  return {
    count: status.count,
    oldestXid: status.oldestXid,
    oldestPreparedAt: preparedAt === null ? null : new Date(preparedAt).toISOString(),
    oldestAgeMs: preparedAt === null ? null : Math.max(0, now - preparedAt),
    restartPosition: status.restartPosition?.toString() ?? null,
  };
}

export interface StatusParts {
  readonly source: SideName;
  readonly target: SideName;
  readonly state: DirectionState;
  readonly error: SyncError | null;
  /** The stream's live status, or the copy kept from its last state change. */
  readonly stream: StreamStatus | undefined;
  readonly engine: ApplyEngine | undefined;
  readonly tables: DirectionTables;
  readonly schemaChanges: readonly SchemaChangeView[];
}

/** What `GET /sync/status` shows of one direction. */
export function directionStatusView(parts: StatusParts): DirectionStatus {
  const { stream, engine } = parts;
  return {
    source: parts.source,
    target: parts.target,
    state: parts.state,
    error: parts.error === null ? null : { code: parts.error.code, message: describeError(parts.error) },
    stream:
      stream === undefined
        ? null
        : {
            state: stream.state,
            position: stream.position?.toString() ?? null,
            lagMs: stream.lagMs,
            preparedXa: preparedXaView(stream.preparedXa),
            reconnectAttempt: stream.reconnectAttempt,
            lastError: stream.lastError,
          },
    watermark: engine?.committedWatermark?.toString() ?? null,
    queueDepth: engine?.queueDepth ?? 0,
    backpressure: engine?.backpressure ?? null,
    rowsApplied: engine?.rowsApplied ?? 0,
    applyFailure: applyFailureView(engine?.applyFailure ?? null),
    tables: parts.tables.views,
    schemaChanges: parts.schemaChanges,
  };
}

function applyFailureView(failure: ApplyFailure | null): DirectionStatus['applyFailure'] {
  return failure === null
    ? null
    : { code: failure.code, message: failure.message, since: new Date(failure.since).toISOString() };
}

/**
 * The error a failed direction reports: its own SyncError as it is; a target that refuses every write where no
 * table can be paused (creating the checkpoint table at start) with the refusal's code and remedy; anything
 * else as INTERNAL.
 */
export function directionError(error: unknown, direction: string, target: SideName): SyncError {
  if (error instanceof SyncError) return error;
  const refusal = describeTargetRefusal(error, target);
  return refusal !== undefined
    ? new SyncError(refusal.code, `${direction} stopped: ${refusal.problem}: ${refusal.remedy}`, {
        cause: error,
      })
    : new SyncError('INTERNAL', `direction ${direction} failed`, { cause: error });
}
