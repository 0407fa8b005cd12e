import type { DirectionStatus, ServiceStatus, StateStoreView } from '../sync/index.js';

export interface HealthReport {
  readonly status: 'ok' | 'degraded' | 'down';
  /** Whether the state store answers (absent where the status has no store). */
  readonly stateStore?: StateStoreView;
  /** With high_availability: whether this replica leads or stands by (a standby is healthy). */
  readonly role?: 'leader' | 'standby';
  /** Why the service is not fully healthy; empty when it is. */
  readonly reasons: readonly string[];
  readonly mode: string;
  readonly directions: readonly {
    readonly direction: string;
    readonly state: string;
    readonly stream: string | null;
    readonly lagMs: number | null;
    readonly pausedTables: readonly string[];
  }[];
}

/**
 * `down` (HTTP 503) when a direction failed, its binlog stream is not connected or its target cannot be reached;
 * `degraded` (200) when tables are paused, batches are retried after an error from the target, or the state store
 * is unavailable; `ok` otherwise.
 */
export function assessHealth(status: ServiceStatus): HealthReport {
  const reasons: string[] = [];
  let down = false;
  for (const direction of status.directions) {
    const name = `${direction.source}_to_${direction.target}`;
    if (direction.state === 'failed') {
      down = true;
      reasons.push(`${name} failed: ${direction.error?.message ?? 'unknown error'}`);
    } else if (
      direction.state === 'streaming' &&
      direction.stream !== null &&
      direction.stream.state !== 'streaming' &&
      direction.stream.state !== 'starting'
    ) {
      down = true;
      reasons.push(
        `${name} binlog stream is ${direction.stream.state}${direction.stream.lastError === null ? '' : `: ${direction.stream.lastError.message}`}`,
      );
    } else if (direction.state === 'stopping' || direction.state === 'stopped') {
      down = true;
      reasons.push(`${name} is ${direction.state}`);
    }
    const applyFailure = direction.applyFailure;
    if (applyFailure !== null && direction.state === 'streaming') {
      // The target cannot be reached: nothing is applied (the stream may look fine, paused by backpressure).
      if (applyFailure.code === 'DATABASE_UNAVAILABLE') down = true;
      reasons.push(`${name} ${applyFailure.code} since ${applyFailure.since}: ${applyFailure.message}`);
    }
    for (const table of pausedTables(direction))
      reasons.push(`${name} table ${table.table} is paused: ${table.pause?.message ?? ''}`);
  }
  const stateStore = status.stateStore;
  if (stateStore !== undefined && !stateStore.available) {
    // Syncing goes on without it (the checkpoints are on the targets): degraded, not down.
    reasons.push(
      `state store ${stateStore.error?.code ?? 'STATE_STORE_UNAVAILABLE'} since ${stateStore.unavailableSince ?? 'now'}: ${stateStore.error?.message ?? ''}`,
    );
  }
  return {
    status: down ? 'down' : reasons.length > 0 ? 'degraded' : 'ok',
    ...(stateStore === undefined ? {} : { stateStore }),
    ...(status.role === undefined ? {} : { role: status.role }),
    reasons,
    mode: status.mode,
    directions: status.directions.map((direction) => ({
      direction: `${direction.source}_to_${direction.target}`,
      state: direction.state,
      stream: direction.stream?.state ?? null,
      lagMs: direction.stream?.lagMs ?? null,
      pausedTables: pausedTables(direction).map((table) => table.table),
    })),
  };
}

function pausedTables(direction: DirectionStatus): DirectionStatus['tables'][number][] {
  return direction.tables.filter((table) => table.state === 'paused');
}
