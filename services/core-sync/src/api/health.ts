import type { DirectionStatus, ServiceStatus, StateStoreView } from '../status/index.js';
import { directionName } from '../model/index.js';

/** One reason the service is not fully healthy, as an error code (docs/errors.md) and where it was met. */
export interface HealthProblem {
  /** `local_to_cloud` or `cloud_to_local`; null for the state store. */
  readonly direction: string | null;
  readonly code: string;
}

/** What GET /health tells a caller without a token: states and error codes, no messages, names or values. */
export interface PublicHealthReport {
  readonly status: 'ok' | 'degraded' | 'down';
  /** With high_availability: whether this replica leads or stands by (a standby is healthy). */
  readonly role?: 'leader' | 'standby';
  readonly mode: string;
  readonly stateStore?: { readonly available: boolean };
  readonly directions: readonly {
    readonly direction: string;
    readonly state: string;
    readonly stream: string | null;
  }[];
  readonly problems: readonly HealthProblem[];
}

/** The whole assessment, for callers with a token (GET /health with one, GET /api/v1/sync/status). */
export interface HealthReport {
  readonly status: 'ok' | 'degraded' | 'down';
  /** Whether the state store answers (absent where the status has no store). */
  readonly stateStore?: StateStoreView;
  readonly role?: 'leader' | 'standby';
  /** Why the service is not fully healthy, in words (driver messages included); empty when it is. */
  readonly reasons: readonly string[];
  /** The same reasons as codes, in the same order. */
  readonly problems: readonly HealthProblem[];
  readonly mode: string;
  readonly directions: readonly {
    readonly direction: string;
    readonly state: string;
    readonly stream: string | null;
    readonly lagMs: number | null;
    readonly pausedTables: readonly string[];
  }[];
}

interface Finding extends HealthProblem {
  readonly reason: string;
  /** Whether it makes the service `down` rather than `degraded`. */
  readonly down: boolean;
}

/** What is wrong with one direction, in the order the reasons are listed. */
function directionFindings(direction: DirectionStatus): Finding[] {
  const name = directionName(direction.source);
  const findings: Finding[] = [];
  const add = (code: string, reason: string, down: boolean) =>
    findings.push({ direction: name, code, reason: `${name} ${reason}`, down });
  const stream = direction.stream;
  if (direction.state === 'failed') {
    add(direction.error?.code ?? 'INTERNAL', `failed: ${direction.error?.message ?? 'unknown error'}`, true);
  } else if (
    direction.state === 'streaming' &&
    stream !== null &&
    stream.state !== 'streaming' &&
    stream.state !== 'starting'
  ) {
    const cause = stream.lastError === null ? '' : `: ${stream.lastError.message}`;
    add(stream.lastError?.code ?? 'BINLOG_STREAM_FAILED', `binlog stream is ${stream.state}${cause}`, true);
  } else if (direction.state === 'stopping' || direction.state === 'stopped') {
    add('SERVICE_STOPPING', `is ${direction.state}`, true);
  }
  const applyFailure = direction.applyFailure;
  if (applyFailure !== null && direction.state === 'streaming') {
    // The target cannot be reached: nothing is applied (the stream may look fine, paused by backpressure).
    add(
      applyFailure.code,
      `${applyFailure.code} since ${applyFailure.since}: ${applyFailure.message}`,
      applyFailure.code === 'DATABASE_UNAVAILABLE',
    );
  }
  for (const table of pausedTables(direction)) {
    add(
      table.pause?.code ?? 'TABLE_PAUSED_DDL',
      `table ${table.table} is paused: ${table.pause?.message ?? ''}`,
      false,
    );
  }
  return findings;
}

function stateStoreFindings(stateStore: StateStoreView | undefined): Finding[] {
  if (stateStore === undefined || stateStore.available) return [];
  const code = stateStore.error?.code ?? 'STATE_STORE_UNAVAILABLE';
  // Syncing goes on without it (the checkpoints are on the targets): degraded, not down.
  const reason = `state store ${code} since ${stateStore.unavailableSince ?? 'now'}: ${stateStore.error?.message ?? ''}`;
  return [{ direction: null, code, reason, down: false }];
}

/**
 * Tables still being adopted whose last adoption run failed (not those whose first run is pending or running):
 * degraded, one finding per failed run, until a run settles them.
 */
function adoptionFindings(status: ServiceStatus): Finding[] {
  const adopting = new Set(status.adoptingTables ?? []);
  const byRun = new Map<string, { finishedAt: string | null; tables: string[]; messages: Set<string> }>();
  for (const failure of status.adoptionFailures ?? []) {
    if (!adopting.has(failure.table)) continue;
    const run = byRun.get(failure.runId) ?? {
      finishedAt: failure.finishedAt,
      tables: [],
      messages: new Set(),
    };
    run.tables.push(failure.table);
    run.messages.add(failure.message);
    byRun.set(failure.runId, run);
  }
  return [...byRun].map(([runId, run]) => ({
    direction: null,
    code: 'FULL_SYNC_FAILED',
    reason:
      `tables ${run.tables.join(', ')} are not adopted yet: adoption run ${runId} ` +
      `(ended ${run.finishedAt ?? 'now'}) did not settle them: ${[...run.messages].join('; ')}; ` +
      'the scheduler tries again',
    down: false,
  }));
}

/**
 * `down` (HTTP 503) when a direction failed, its binlog stream is not connected or its target cannot be reached;
 * `degraded` (200) when tables are paused, batches are retried after an error from the target, the state store
 * is unavailable, or the last adoption run of tables still being adopted failed; `ok` otherwise.
 */
export function assessHealth(status: ServiceStatus): HealthReport {
  const findings = [
    ...status.directions.flatMap(directionFindings),
    ...stateStoreFindings(status.stateStore),
    ...adoptionFindings(status),
  ];
  const down = findings.some((finding) => finding.down);
  return {
    status: down ? 'down' : findings.length > 0 ? 'degraded' : 'ok',
    ...(status.stateStore === undefined ? {} : { stateStore: status.stateStore }),
    ...(status.role === undefined ? {} : { role: status.role }),
    reasons: findings.map((finding) => finding.reason),
    problems: findings.map(({ direction, code }) => ({ direction, code })),
    mode: status.mode,
    directions: status.directions.map((direction) => ({
      direction: directionName(direction.source),
      state: direction.state,
      stream: direction.stream?.state ?? null,
      lagMs: direction.stream?.lagMs ?? null,
      pausedTables: pausedTables(direction).map((table) => table.table),
    })),
  };
}

/**
 * The report without anything a stranger should read: no driver messages (they can hold row values, host and
 * user names), no table names, no times. Load balancers and probes need only the status (and the HTTP code).
 */
export function publicHealth(report: HealthReport): PublicHealthReport {
  return {
    status: report.status,
    ...(report.role === undefined ? {} : { role: report.role }),
    mode: report.mode,
    ...(report.stateStore === undefined ? {} : { stateStore: { available: report.stateStore.available } }),
    directions: report.directions.map(({ direction, state, stream }) => ({ direction, state, stream })),
    problems: report.problems,
  };
}

function pausedTables(direction: DirectionStatus): DirectionStatus['tables'][number][] {
  return direction.tables.filter((table) => table.state === 'paused');
}
