/**
 * Small in-memory implementations of what the API asks of the engine, for the API's own tests (validation, auth,
 * error mapping, shapes). The engine's real implementations are tested end to end against real servers.
 */
import { Writable } from 'node:stream';
import { SyncError } from '../../errors/index.js';
import { ServiceEvents, type ServiceEvent } from '../../events/index.js';
import { createLogger, type Logger } from '../../logging/index.js';
import type {
  ConfigAccess,
  ConfigUpdateResult,
  ConfigView,
  ConflictAccess,
  PauseControl,
  ResumedTable,
  SyncControl,
  TriggerRequest,
} from '../../manager/index.js';
import type { ConflictFilter, ConflictRecord, PageRequest, SyncHistoryEntry } from '../../store/index.js';
import { type ConflictChoice } from '../../sync/index.js';
import type { AppDependencies } from '../api-context.js';
import { buildApp } from '../app.js';
import { TokenAuthority, type ApiTokens } from '../auth.js';
import {
  type DirectionStatus,
  type RunProgress,
  type ServiceStatus,
  noPreparedXaView,
} from '../../status/index.js';

export const adminToken = 'admin-token-0123456789abcdef';
export const readOnlyTokens = ['read-token-0123456789abcdef', 'read-token-fedcba9876543210'] as const;
export const configuredTables = ['users', 'orders'] as const;

export function runProgress(overrides: Partial<RunProgress> = {}): RunProgress {
  return {
    runId: 'run-1',
    kind: 'manual',
    state: 'running',
    direction: 'local_to_cloud',
    startedAt: '2025-01-02T03:04:05.000Z',
    finishedAt: null,
    tables: [
      {
        table: 'users',
        state: 'pending',
        chunksTotal: 0,
        chunksCompared: 0,
        rowsTotal: 0,
        rowsCompared: 0,
        rowsChanged: 0,
        conflicts: 0,
        error: null,
      },
    ],
    rowsTotal: 0,
    rowsCompared: 0,
    rowsChanged: 0,
    conflicts: 0,
    percent: 0,
    rowsPerSecond: 0,
    etaSeconds: null,
    error: null,
    traceId: 'trace-1',
    ...overrides,
  };
}

export interface TriggerCall {
  readonly request: TriggerRequest;
  readonly triggeredBy: string;
  readonly traceId: string;
}

/** Paused tables that a resume hands back (and forgets, as a restart does when their causes are fixed). */
export class InMemoryPauseControl implements PauseControl {
  paused: ResumedTable[] = [];
  /** Who resumed, one entry per call that resumed something. */
  readonly resumedBy: string[] = [];

  resume(resumedBy: string): Promise<{ resumed: ResumedTable[] }> {
    if (this.paused.length === 0) {
      return Promise.reject(
        new SyncError('NOTHING_PAUSED', 'no table is paused: there is nothing to resume'),
      );
    }
    const resumed = this.paused;
    this.paused = [];
    this.resumedBy.push(resumedBy);
    return Promise.resolve({ resumed });
  }
}

export class InMemorySyncControl implements SyncControl {
  readonly triggers: TriggerCall[] = [];
  readonly entries: SyncHistoryEntry[] = [];
  /** Set to make every call fail with it. */
  failure: Error | undefined;
  #run: RunProgress | null = null;

  get currentRun(): RunProgress | null {
    return this.#run;
  }

  trigger(request: TriggerRequest, triggeredBy: string, traceId: string): Promise<RunProgress> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.#run?.state === 'running') {
      return Promise.reject(new SyncError('SYNC_ALREADY_RUNNING', `full sync ${this.#run.runId} is running`));
    }
    const unknown = (request.tables ?? []).filter(
      (table) => !(configuredTables as readonly string[]).includes(table),
    );
    if (unknown.length > 0) {
      return Promise.reject(
        new SyncError('SYNC_REQUEST_INVALID', `table ${unknown.join(', ')} is not configured`, {
          details: { tables: unknown },
        }),
      );
    }
    this.triggers.push({ request, triggeredBy, traceId });
    this.#run = runProgress({
      runId: `run-${this.triggers.length}`,
      direction: request.direction ?? 'local_to_cloud',
      traceId,
    });
    return Promise.resolve(this.#run);
  }

  stop(): Promise<RunProgress | null> {
    if (this.#run?.state !== 'running') return Promise.resolve(null);
    this.#run = { ...this.#run, state: 'stopped', finishedAt: '2025-01-02T03:05:00.000Z' };
    return Promise.resolve(this.#run);
  }

  history(page: PageRequest): Promise<{ entries: SyncHistoryEntry[]; total: number }> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return Promise.resolve({
      entries: this.entries.slice(page.offset, page.offset + page.limit),
      total: this.entries.length,
    });
  }
}

export function historyEntry(index: number): SyncHistoryEntry {
  return {
    id: `history-${index}`,
    kind: 'manual',
    startedAt: new Date(Date.UTC(2025, 0, 1, 0, index)),
    completedAt: new Date(Date.UTC(2025, 0, 1, 0, index, 30)),
    direction: 'local_to_cloud',
    tablesSynced: ['users'],
    totalRows: 100,
    rowsChanged: index,
    conflictsDetected: 0,
    status: 'completed',
    errorMessage: null,
    traceId: `trace-${index}`,
    triggerSource: 'admin',
  };
}

export function conflictRecord(id: string, overrides: Partial<ConflictRecord> = {}): ConflictRecord {
  return {
    id,
    tableName: 'users',
    primaryKeyValue: '[1]',
    localData: { id: 1, name: 'local name' },
    cloudData: { id: 1, name: 'cloud name' },
    conflictType: 'update_update',
    detectedAt: new Date('2025-01-02T03:04:05.000Z'),
    resolved: false,
    resolutionStrategy: null,
    resolvedAt: null,
    resolvedData: null,
    resolvedBy: null,
    resolutionSide: null,
    resolutionColumns: null,
    sourcePosition: 'binlog.000001:4',
    ...overrides,
  };
}

export class InMemoryConflictAccess implements ConflictAccess {
  readonly records = new Map<string, ConflictRecord>();

  constructor(records: readonly ConflictRecord[] = []) {
    for (const record of records) this.records.set(record.id, record);
  }

  list(filter: ConflictFilter): Promise<{ conflicts: ConflictRecord[]; total: number }> {
    const matching = [...this.records.values()].filter(
      (record) =>
        (filter.tableName === undefined || record.tableName === filter.tableName) &&
        (filter.resolved === undefined || record.resolved === filter.resolved),
    );
    return Promise.resolve({
      conflicts: matching.slice(filter.offset, filter.offset + filter.limit),
      total: matching.length,
    });
  }

  get(id: string): Promise<ConflictRecord> {
    const record = this.records.get(id);
    if (record === undefined)
      return Promise.reject(new SyncError('CONFLICT_NOT_FOUND', `no conflict has the id ${id}`));
    return Promise.resolve(record);
  }

  async resolve(id: string, choice: ConflictChoice, resolvedBy: string): Promise<ConflictRecord> {
    const record = await this.get(id);
    if (record.resolved)
      throw new SyncError('CONFLICT_ALREADY_RESOLVED', `conflict ${id} is already resolved`);
    const resolved: ConflictRecord = {
      ...record,
      ...fakeResolution(record, choice),
      resolved: true,
      resolutionStrategy: 'manual',
      resolvedAt: new Date('2025-01-03T00:00:00.000Z'),
      resolvedBy,
    };
    this.records.set(id, resolved);
    return resolved;
  }
}

/** The engine's answer in short: a side's row, or the data with the columns it leaves out from `fillFrom`'s row. */
function fakeResolution(
  record: ConflictRecord,
  choice: ConflictChoice,
): Pick<ConflictRecord, 'resolvedData' | 'resolutionSide' | 'resolutionColumns'> {
  if ('side' in choice) {
    const resolvedData = choice.side === 'local' ? record.localData : record.cloudData;
    return { resolvedData, resolutionSide: choice.side, resolutionColumns: null };
  }
  const data = choice.data as Record<string, unknown>;
  if (!('id' in data)) {
    throw new SyncError('CONFLICT_RESOLUTION_INVALID', 'data: the primary key column id is missing');
  }
  const filler = (choice.fillFrom === 'cloud' ? record.cloudData : record.localData) as Record<
    string,
    unknown
  >;
  const filled =
    choice.fillFrom === undefined ? [] : Object.keys(filler).filter((column) => !(column in data));
  return {
    resolvedData: { ...(choice.fillFrom === undefined ? {} : filler), ...data },
    resolutionSide: 'merged',
    resolutionColumns: {
      given: Object.keys(data),
      filledFrom: filled.length === 0 ? null : (choice.fillFrom ?? null),
      filled,
    },
  };
}

export class InMemoryConfigAccess implements ConfigAccess {
  readonly updates: { document: unknown; changedBy: string }[] = [];
  document: Record<string, unknown> = {
    sync: { mode: 'local_to_cloud', tables: [{ name: 'users' }] },
    server: { port: 8080, auth_token: '[redacted]', read_only_tokens: ['[redacted]', '[redacted]'] },
    databases: { local: { host: 'localhost', password: '[redacted]' } },
  };

  current(): ConfigView {
    return { config: this.document, restartRequired: [] };
  }

  update(document: unknown, changedBy: string): Promise<ConfigUpdateResult> {
    const server = (document as { server?: { port?: unknown } }).server;
    if (typeof server?.port !== 'number') {
      return Promise.reject(
        new SyncError('CONFIG_INVALID', 'the configuration is invalid: server.port: expected a number', {
          details: { problems: [{ path: 'server.port', message: 'expected a number' }] },
        }),
      );
    }
    this.updates.push({ document, changedBy });
    this.document = document as Record<string, unknown>;
    return Promise.resolve({
      applied: ['sync.tables'],
      restartRequired: ['server.port'],
      config: this.document,
    });
  }
}

export const metricsText = '# HELP sync_rows_applied_total Rows applied.\nsync_rows_applied_total 3\n';
export const metricsContentType = 'text/plain; version=0.0.4; charset=utf-8';

export function directionStatus(overrides: Partial<DirectionStatus> = {}): DirectionStatus {
  return {
    source: 'local',
    target: 'cloud',
    state: 'streaming',
    error: null,
    stream: {
      state: 'streaming',
      position: 'binlog.000001:4',
      lagMs: 12,
      preparedXa: noPreparedXaView,
      reconnectAttempt: 0,
      lastError: null,
    },
    watermark: null,
    queueDepth: 0,
    backpressure: null,
    rowsApplied: 0,
    applyFailure: null,
    tables: [{ table: 'users', state: 'streaming', rowsApplied: 0, rowsCopied: 0, pause: null }],
    ...overrides,
  };
}

/** A logger writing JSON lines (with the service's redaction) to memory. */
export function capturingLogger(): {
  logger: Logger;
  output: () => string;
  records: () => Record<string, unknown>[];
} {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger({ level: 'trace', format: 'json', destination });
  const output = () => chunks.join('');
  const records = () =>
    output()
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, output, records };
}

export interface TestApi {
  readonly app: ReturnType<typeof buildApp>;
  readonly control: InMemorySyncControl;
  readonly conflicts: InMemoryConflictAccess;
  readonly pauses: InMemoryPauseControl;
  readonly configuration: InMemoryConfigAccess;
  readonly events: ServiceEvents;
  /** Errors thrown by bus listeners (there should be none). */
  readonly listenerErrors: unknown[];
  readonly logs: ReturnType<typeof capturingLogger>;
}

/** The dependencies a test may replace; `server` may carry the tokens, which become the app's TokenAuthority. */
export type TestApiOverrides = Partial<Omit<AppDependencies, 'server'>> & {
  readonly server?: AppDependencies['server'] & Partial<ApiTokens>;
};

/** The app over in-memory dependencies; tokens configured unless `server` (or `tokens`) says otherwise. */
export function buildTestApi(overrides: TestApiOverrides = {}): TestApi {
  const logs = capturingLogger();
  const listenerErrors: unknown[] = [];
  const control = new InMemorySyncControl();
  const conflicts = new InMemoryConflictAccess([
    conflictRecord('conflict-1'),
    conflictRecord('conflict-2', { tableName: 'orders', detectedAt: new Date('2025-01-02T04:00:00.000Z') }),
    conflictRecord('conflict-3', { resolved: true, resolvedBy: 'admin', resolutionSide: 'local' }),
  ]);
  const pauses = new InMemoryPauseControl();
  const configuration = new InMemoryConfigAccess();
  const events = new ServiceEvents((error) => listenerErrors.push(error));
  const status: ServiceStatus = { mode: 'local_to_cloud', directions: [directionStatus()] };
  const server = overrides.server ?? {
    authToken: adminToken,
    readOnlyTokens: [...readOnlyTokens],
    corsOrigins: [],
  };
  const app = buildApp({
    logger: logs.logger,
    status: () => status,
    control,
    conflicts,
    pauses,
    configuration,
    metrics: { contentType: metricsContentType, render: () => Promise.resolve(metricsText) },
    events,
    ...overrides,
    server,
    tokens:
      overrides.tokens ??
      new TokenAuthority({
        ...(server.authToken === undefined ? {} : { authToken: server.authToken }),
        readOnlyTokens: server.readOnlyTokens ?? [],
      }),
  });
  return { app, control, conflicts, pauses, configuration, events, listenerErrors, logs };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

export const adminHeaders = bearer(adminToken);
export const readOnlyHeaders = bearer(readOnlyTokens[0]);

/** A `lag` event of local → cloud, as the stream carries it. */
export function lagEvent(rowsPerSecond: number, position: string | null = null): ServiceEvent {
  return { type: 'lag', direction: 'local_to_cloud', lagMs: 5, queueDepth: 0, rowsPerSecond, position };
}
