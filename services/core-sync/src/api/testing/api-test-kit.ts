/**
 * Small in-memory implementations of what the API asks of the engine, for the API's own tests (validation, auth,
 * error mapping, shapes). The engine's real implementations are tested end to end against real servers.
 * This file builds the app over them (`buildTestApi`) with tokens, headers and a sample status; the in-memory
 * parts are in in-memory-sync.ts, in-memory-conflicts.ts, in-memory-config.ts and capturing-logger.ts.
 */
import { ServiceEvents, type ServiceEvent } from '../../events/index.js';
import { capturingLogger } from './capturing-logger.js';
import { InMemoryConfigAccess } from './in-memory-config.js';
import { InMemoryConflictAccess, conflictRecord } from './in-memory-conflicts.js';
import { InMemoryPauseControl, InMemorySyncControl } from './in-memory-sync.js';
import type { AppDependencies } from '../api-context.js';
import { buildApp } from '../app.js';
import { TokenAuthority, type ApiTokens } from '../auth.js';
import { type DirectionStatus, type ServiceStatus, noPreparedXaView } from '../../status/index.js';

export { capturingLogger } from './capturing-logger.js';
export { InMemoryConfigAccess } from './in-memory-config.js';
export { InMemoryConflictAccess, conflictRecord } from './in-memory-conflicts.js';
export {
  InMemoryPauseControl,
  InMemorySyncControl,
  configuredTables,
  historyEntry,
  runProgress,
  type TriggerCall,
} from './in-memory-sync.js';

export const adminToken = 'admin-token-0123456789abcdef';
export const readOnlyTokens = ['read-token-0123456789abcdef', 'read-token-fedcba9876543210'] as const;

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
    schemaChanges: [],
    ...overrides,
  };
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
