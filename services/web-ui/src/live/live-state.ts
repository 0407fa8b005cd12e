/**
 * What the dashboard knows live: the last status snapshot (GET /sync/status) updated by the event stream, the
 * samples behind the charts, and the stream's own connection state. A pure reducer, so the event handling is
 * tested without a browser or a server.
 */
import type { StreamStateChange } from '../api/event-stream';
import {
  directionName,
  type DirectionName,
  type DirectionStatus,
  type HealthReport,
  type LiveEvent,
  type RunProgress,
  type StatusResponse,
  type TablePause,
} from '../api/types';

/** How long samples are kept for the charts. */
export const sampleWindowMs = 10 * 60 * 1000;

export interface Sample {
  /** Epoch ms when the sample arrived. */
  readonly time: number;
  readonly rowsPerSecond: number;
  readonly lagMs: number | null;
  readonly queueDepth: number;
}

export interface LiveState {
  readonly mode: StatusResponse['mode'] | null;
  readonly directions: readonly DirectionStatus[];
  readonly run: RunProgress | null;
  /**
   * The health assessment of the last snapshot. Only GET /sync/status carries it (the stream has no event for
   * it), so it is as old as the snapshot (5 s at most while the tab is shown): the directions above are fresher.
   * Used for what only it says, the state store's availability.
   */
  readonly health: HealthReport | null;
  /**
   * Bidirectional: tables adopted with rows on both sides whose differences no run has settled yet (both
   * directions stream them; an adoption run settles them). From the snapshot only, like the health.
   */
  readonly adoptingTables: readonly string[];
  readonly samples: Readonly<Partial<Record<DirectionName, readonly Sample[]>>>;
  readonly stream: StreamStateChange;
  /** Grows on every conflict event (lists reload when it changes). */
  readonly conflictRevision: number;
  /** Grows when a run starts or ends (history reloads when it changes). */
  readonly runRevision: number;
  /** Per table of the current run: when this page first saw it compare, for its rate and ETA. */
  readonly tableClocks: Readonly<Record<string, TableClock>>;
  /** Unresolved conflicts waiting for a person, seen since the page loaded. */
  readonly conflictsAwaiting: number;
  readonly snapshotLoaded: boolean;
}

export interface TableClock {
  readonly runId: string;
  /** Epoch ms of the first progress event that showed the table comparing. */
  readonly since: number;
  readonly rowsAtStart: number;
}

export const initialLiveState: LiveState = {
  mode: null,
  directions: [],
  run: null,
  health: null,
  adoptingTables: [],
  samples: {},
  stream: { state: 'connecting', reason: null, attempt: 0, nextAttemptAt: null, httpStatus: null },
  conflictRevision: 0,
  runRevision: 0,
  tableClocks: {},
  conflictsAwaiting: 0,
  snapshotLoaded: false,
};

export type LiveAction =
  | { readonly kind: 'snapshot'; readonly status: StatusResponse }
  | { readonly kind: 'event'; readonly event: LiveEvent; readonly receivedAt: number }
  | { readonly kind: 'stream'; readonly change: StreamStateChange };

export function liveReducer(state: LiveState, action: LiveAction): LiveState {
  switch (action.kind) {
    case 'snapshot':
      return {
        ...state,
        mode: action.status.mode,
        directions: action.status.directions,
        run: action.status.run,
        health: action.status.health,
        // An older service's answer lacks the list.
        adoptingTables: action.status.adoptingTables ?? [],
        snapshotLoaded: true,
      };
    case 'stream':
      return { ...state, stream: action.change };
    case 'event':
      return applyEvent(state, action.event, action.receivedAt);
  }
}

function applyEvent(state: LiveState, event: LiveEvent, receivedAt: number): LiveState {
  switch (event.type) {
    case 'status':
      return { ...state, directions: upsertDirection(state.directions, event.status) };
    case 'lag':
      return {
        ...state,
        samples: {
          ...state.samples,
          [event.direction]: appendSample(state.samples[event.direction] ?? [], {
            time: receivedAt,
            rowsPerSecond: event.rowsPerSecond,
            lagMs: event.lagMs,
            queueDepth: event.queueDepth,
          }),
        },
        directions: state.directions.map((direction) =>
          directionName(direction) === event.direction
            ? {
                ...direction,
                queueDepth: event.queueDepth,
                stream: direction.stream === null ? null : { ...direction.stream, lagMs: event.lagMs },
              }
            : direction,
        ),
      };
    case 'progress':
    case 'run':
      // An older run's late event must not replace the current one.
      if (state.run !== null && state.run.runId !== event.progress.runId && state.run.state === 'running') {
        if (Date.parse(event.progress.startedAt) < Date.parse(state.run.startedAt)) return state;
      }
      return {
        ...state,
        run: event.progress,
        tableClocks: updateTableClocks(state.tableClocks, event.progress, receivedAt),
        runRevision: event.type === 'run' ? state.runRevision + 1 : state.runRevision,
      };
    case 'conflict-detected':
      return {
        ...state,
        conflictRevision: state.conflictRevision + 1,
        conflictsAwaiting: event.winner === null ? state.conflictsAwaiting + 1 : state.conflictsAwaiting,
      };
    case 'conflict-resolved':
      return {
        ...state,
        conflictRevision: state.conflictRevision + 1,
        conflictsAwaiting: Math.max(0, state.conflictsAwaiting - 1),
      };
    case 'reset':
      // The caller reloads the snapshot; lists reload through the revisions.
      return {
        ...state,
        conflictRevision: state.conflictRevision + 1,
        runRevision: state.runRevision + 1,
      };
  }
}

function updateTableClocks(
  clocks: Readonly<Record<string, TableClock>>,
  progress: RunProgress,
  receivedAt: number,
): Readonly<Record<string, TableClock>> {
  const next: Record<string, TableClock> = {};
  for (const table of progress.tables) {
    const known = clocks[table.table];
    if (known !== undefined && known.runId === progress.runId) next[table.table] = known;
    else if (table.state === 'comparing') {
      next[table.table] = { runId: progress.runId, since: receivedAt, rowsAtStart: table.rowsCompared };
    }
  }
  return next;
}

export interface TableRate {
  readonly rowsPerSecond: number | null;
  readonly etaSeconds: number | null;
}

/** A table's compare rate since this page saw it start, and the time left at that rate. */
export function tableRate(
  clock: TableClock | undefined,
  table: { rowsCompared: number; rowsTotal: number; state: string },
  now: number,
): TableRate {
  if (clock === undefined || table.state !== 'comparing') return { rowsPerSecond: null, etaSeconds: null };
  const seconds = (now - clock.since) / 1000;
  if (seconds < 1) return { rowsPerSecond: null, etaSeconds: null };
  const rowsPerSecond = Math.max(0, table.rowsCompared - clock.rowsAtStart) / seconds;
  const remaining = Math.max(0, table.rowsTotal - table.rowsCompared);
  return { rowsPerSecond, etaSeconds: rowsPerSecond > 0 ? remaining / rowsPerSecond : null };
}

function upsertDirection(
  directions: readonly DirectionStatus[],
  status: DirectionStatus,
): readonly DirectionStatus[] {
  const name = directionName(status);
  const index = directions.findIndex((direction) => directionName(direction) === name);
  if (index === -1) return [...directions, status];
  return directions.map((direction, position) => (position === index ? status : direction));
}

function appendSample(samples: readonly Sample[], sample: Sample): readonly Sample[] {
  const oldest = sample.time - sampleWindowMs;
  const kept = samples.filter((existing) => existing.time >= oldest);
  return [...kept, sample];
}

// ── what the dashboard shows, derived ──────────────────────────────────────────────────────────────────────

export type StreamHealth = 'up' | 'reconnecting' | 'down' | 'off';

/**
 * A direction's binlog stream: up (streaming), reconnecting (starting or retrying), down, or off (real-time
 * streaming disabled: the direction is idle after its snapshot).
 */
export function streamHealth(direction: DirectionStatus): StreamHealth {
  if (direction.stream === null) {
    if (direction.state === 'idle') return 'off';
    return direction.state === 'starting' || direction.state === 'snapshotting' ? 'reconnecting' : 'down';
  }
  switch (direction.stream.state) {
    case 'streaming':
      return 'up';
    case 'starting':
    case 'reconnecting':
      return 'reconnecting';
    default:
      return 'down';
  }
}

export type OverallState = 'error' | 'syncing' | 'idle';

export interface Overview {
  readonly state: OverallState;
  /** The problems joined, or what is going on when there is none. */
  readonly explanation: string;
  /** Every problem that needs a person, the most serious first; empty unless the state is error. */
  readonly problems: readonly string[];
}

/**
 * One word for the whole service: error (something needs a person), syncing (work in progress), or idle. Error
 * lists every problem, as `/health`'s reasons do: failed directions, binlog streams down, batches failing to
 * apply, the state store unavailable, paused tables.
 */
export function overview(state: LiveState): Overview {
  const problems = healthProblems(state);
  if (problems.length > 0) return { state: 'error', explanation: problems.join('; '), problems };
  // A running run says it all about the directions; adopted tables are named besides.
  const activities = state.run?.state === 'running' ? [runningExplanation(state.run)] : busyDirections(state);
  if (state.adoptingTables.length > 0) activities.push(adoptionExplanation(state.adoptingTables));
  if (activities.length > 0) return { state: 'syncing', explanation: activities.join('; '), problems: [] };
  const streaming = state.directions.some((direction) => direction.state === 'streaming');
  return {
    state: 'idle',
    explanation: streaming ? 'up to date: streaming, nothing queued' : 'nothing to do',
    problems: [],
  };
}

function busyDirections(state: LiveState): string[] {
  return state.directions
    .filter(
      (direction) =>
        direction.state === 'starting' ||
        direction.state === 'snapshotting' ||
        direction.state === 'stopping' ||
        direction.queueDepth > 0,
    )
    .map((direction) =>
      direction.state === 'streaming'
        ? `${directionName(direction)} applying ${direction.queueDepth} queued changes`
        : `${directionName(direction)} ${direction.state}`,
    );
}

function runningExplanation(run: RunProgress): string {
  const what = run.dryRun ? 'full-sync preview' : run.kind === 'adoption' ? 'adoption run' : 'full sync';
  return `${what} running (${Math.floor(run.percent)} %)`;
}

/** What adopting tables means, in one line. */
export function adoptionExplanation(tables: readonly string[]): string {
  return `adopting ${tables.join(', ')}: both directions stream ${tables.length === 1 ? 'it' : 'them'}; an adoption run settles the rows that differed`;
}

function healthProblems(state: LiveState): string[] {
  const problems: string[] = [];
  for (const direction of state.directions) {
    if (direction.state === 'failed') {
      problems.push(
        `${directionName(direction)} failed${direction.error === null ? '' : `: ${direction.error.message}`}`,
      );
    }
  }
  const down = state.directions.filter(
    (direction) => direction.state === 'stopped' || streamHealth(direction) === 'down',
  );
  if (down.length > 0) problems.push(`binlog stream down: ${down.map(directionName).join(', ')}`);
  for (const direction of state.directions) {
    // A failed direction's error says it all; its last apply failure would say it twice.
    if (direction.applyFailure !== null && direction.state !== 'failed') {
      problems.push(
        `${directionName(direction)} cannot apply changes (${direction.applyFailure.code}): ${direction.applyFailure.message}`,
      );
    }
  }
  const stateStore = state.health?.stateStore;
  if (stateStore !== undefined && !stateStore.available) {
    problems.push(
      `state store unavailable${stateStore.error === null ? '' : ` (${stateStore.error.code}): ${stateStore.error.message}`}; syncing goes on, full syncs and resolving conflicts wait for it`,
    );
  }
  const paused = pausedTables(state).map((entry) => entry.table);
  if (paused.length > 0) problems.push(`paused tables: ${[...new Set(paused)].join(', ')}`);
  return problems;
}

export interface PausedTable {
  readonly direction: DirectionName;
  readonly table: string;
  /** Null only if a service sent a paused state without its pause. */
  readonly pause: TablePause | null;
}

/** Every paused table with its pause, direction by direction. */
export function pausedTables(state: Pick<LiveState, 'directions'>): PausedTable[] {
  return state.directions.flatMap((direction) =>
    direction.tables.flatMap((table) =>
      table.state === 'paused'
        ? [{ direction: directionName(direction), table: table.table, pause: table.pause }]
        : [],
    ),
  );
}

/** The latest sample of a direction, when one arrived in the last few seconds. */
export function latestSample(state: LiveState, direction: DirectionName, now: number): Sample | null {
  const last = state.samples[direction]?.at(-1);
  return last !== undefined && now - last.time < 5_000 ? last : null;
}

/** Tables every direction syncs (for the trigger form and the conflict filter). */
export function configuredTables(state: LiveState): string[] {
  const names = new Set<string>();
  for (const direction of state.directions) for (const table of direction.tables) names.add(table.table);
  return [...names].sort();
}
