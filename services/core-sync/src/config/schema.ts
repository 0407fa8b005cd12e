import { z } from 'zod';
import { isRecord } from './document-values.js';
import { maximumDurationMs, parseDuration } from './duration.js';
import { problemMessages } from './problems.js';
import {
  conflictResolutions,
  logFormats,
  logLevels,
  syncModes,
  syncSides,
  type DatabaseConfig,
  type ServiceConfig,
  type StateStorageConfig,
  type SyncConfig,
  type SyncMode,
  type SyncSide,
  type TableConfig,
} from './types.js';

/**
 * The YAML configuration (snake_case keys, see docs/configuration.md) and its transformation into `ServiceConfig`.
 * Objects are strict, so a misspelt key is an error rather than a silently ignored setting. Checks that relate
 * several keys (duplicate tables, last_write_wins without timestamp_column…) also live in cross-checks.ts, which
 * runs even when other parts of the document are invalid.
 */

const nonEmptyText = z.string().min(1);
const databasePort = z.int().min(1).max(65_535);

/** A duration text or number of milliseconds, read as milliseconds; `defaultText` when absent. */
function duration(defaultText: string) {
  return z
    .unknown()
    .transform((value, context) => {
      const milliseconds = parseDuration(value);
      if (milliseconds === undefined) {
        context.addIssue({ code: 'custom', message: problemMessages.duration });
        return z.NEVER;
      }
      if (milliseconds < 1 || milliseconds > maximumDurationMs) {
        context.addIssue({ code: 'custom', message: 'must be between 1ms and 24 days' });
        return z.NEVER;
      }
      return milliseconds;
    })
    .prefault(defaultText);
}

/** `"id"`, `"tenant_id,id"` or `[tenant_id, id]` → the column list. */
const primaryKeySchema = z.unknown().transform((value, context): string[] => {
  if (value === undefined) {
    context.addIssue({ code: 'custom', message: 'required' });
    return z.NEVER;
  }
  const columns = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(columns) || !columns.every((column) => typeof column === 'string')) {
    context.addIssue({
      code: 'custom',
      message: 'must be a column name, "col_a,col_b", or a list of column names',
    });
    return z.NEVER;
  }
  const trimmed = columns.map((column) => column.trim());
  if (trimmed.length === 0 || trimmed.some((column) => column === '')) {
    context.addIssue({ code: 'custom', message: 'must name at least one column and no empty ones' });
    return z.NEVER;
  }
  if (new Set(trimmed).size !== trimmed.length) {
    context.addIssue({ code: 'custom', message: 'names a column twice' });
    return z.NEVER;
  }
  return trimmed;
});

const databaseSchema = z
  .strictObject({
    host: nonEmptyText,
    port: databasePort.default(3306),
    user: nonEmptyText,
    password: z.string().default(''),
    database: nonEmptyText,
    replication_user: nonEmptyText.optional(),
    replication_password: z.string().optional(),
    server_id: z.int().min(1).max(4_294_967_295).optional(),
    connection_limit: z.int().min(1).max(1_000).default(10),
    query_timeout: duration('60s'),
  })
  .transform((raw): DatabaseConfig => ({
    host: raw.host,
    port: raw.port,
    user: raw.user,
    password: raw.password,
    database: raw.database,
    replicationUser: raw.replication_user ?? raw.user,
    replicationPassword: raw.replication_password ?? raw.password,
    serverId: raw.server_id,
    connectionLimit: raw.connection_limit,
    queryTimeoutMs: raw.query_timeout,
  }));

const stateStorageSchema = z
  .preprocess(
    (value) => {
      if (value === undefined) return { type: 'sqlite' };
      return isRecord(value) && value.type === undefined ? { ...value, type: 'sqlite' } : value;
    },
    z.discriminatedUnion('type', [
      z.strictObject({ type: z.literal('sqlite'), file_path: nonEmptyText.default('./data/sync_state.db') }),
      z.strictObject({
        type: z.literal('mysql'),
        host: nonEmptyText,
        port: databasePort.default(3306),
        user: nonEmptyText,
        password: z.string().default(''),
        database: nonEmptyText,
      }),
    ]),
  )
  .transform((raw): StateStorageConfig =>
    raw.type === 'sqlite' ? { type: 'sqlite', filePath: raw.file_path } : { ...raw, type: 'mysql' },
  );

const sideSchema = z.enum(syncSides);

const tableSchema = z.strictObject({
  name: nonEmptyText,
  primary_key: primaryKeySchema,
  conflict_resolution: z.enum(conflictResolutions).default('source_priority'),
  prefer: sideSchema.optional(),
  tie_breaker: sideSchema.default('cloud'),
  timestamp_column: nonEmptyText.optional(),
  batch_size: z.int().min(1).max(100_000).optional(),
});

type RawTable = z.output<typeof tableSchema>;

const rawSyncSchema = z.strictObject({
  mode: z.enum(syncModes).default('local_to_cloud'),
  tables: z.array(tableSchema).min(1),
  workers: z.int().min(1).max(64).default(8),
  realtime: z.boolean().default(true),
  batch_insert_size: z.int().min(1).max(100_000).default(1_000),
  queue_capacity: z.int().min(100).default(10_000),
  create_missing_tables: z.boolean().default(true),
  snapshot_concurrency: z.int().min(1).max(32).default(4),
  snapshot_writers: z.int().min(1).max(16).default(2),
  snapshot_chunk_size: z.int().min(1).default(1_000),
  heartbeat_interval: duration('5s'),
  reconnect_initial_delay: duration('500ms'),
  reconnect_max_delay: duration('30s'),
  shutdown_timeout: duration('30s'),
});

/** The side changes come from in a one-way mode (it wins source_priority conflicts unless `prefer` says otherwise). */
function sourceSide(mode: SyncMode): SyncSide | undefined {
  switch (mode) {
    case 'local_to_cloud':
      return 'local';
    case 'cloud_to_local':
      return 'cloud';
    case 'bidirectional':
      return undefined;
  }
}

function toTableConfig(
  raw: RawTable,
  sync: z.output<typeof rawSyncSchema>,
  index: number,
  context: z.core.$RefinementCtx,
): TableConfig | undefined {
  const fields = {
    name: raw.name,
    primaryKey: raw.primary_key,
    batchSize: raw.batch_size ?? sync.batch_insert_size,
    tieBreaker: raw.tie_breaker,
    timestampColumn: raw.timestamp_column,
    prefer: raw.prefer ?? sourceSide(sync.mode),
  };
  switch (raw.conflict_resolution) {
    case 'last_write_wins': {
      const timestampColumn = fields.timestampColumn;
      if (timestampColumn !== undefined)
        return { ...fields, conflictResolution: 'last_write_wins', timestampColumn };
      context.addIssue({
        code: 'custom',
        message: problemMessages.timestampColumnRequired,
        path: ['tables', index, 'timestamp_column'],
      });
      return undefined;
    }
    case 'source_priority': {
      const prefer = fields.prefer;
      if (prefer !== undefined) return { ...fields, conflictResolution: 'source_priority', prefer };
      context.addIssue({
        code: 'custom',
        message: problemMessages.preferRequired,
        path: ['tables', index, 'prefer'],
      });
      return undefined;
    }
    case 'manual':
      return { ...fields, conflictResolution: 'manual' };
  }
}

const syncSchema = rawSyncSchema.transform((raw, context): SyncConfig => {
  const tables = raw.tables.map((table, index) => toTableConfig(table, raw, index, context));
  const completeTables = tables.filter((table) => table !== undefined);
  if (completeTables.length !== tables.length) return z.NEVER;
  return {
    mode: raw.mode,
    tables: completeTables,
    workers: raw.workers,
    realtime: raw.realtime,
    batchInsertSize: raw.batch_insert_size,
    queueCapacity: raw.queue_capacity,
    createMissingTables: raw.create_missing_tables,
    snapshotConcurrency: raw.snapshot_concurrency,
    snapshotWriters: raw.snapshot_writers,
    snapshotChunkSize: raw.snapshot_chunk_size,
    heartbeatIntervalMs: raw.heartbeat_interval,
    reconnectInitialDelayMs: raw.reconnect_initial_delay,
    reconnectMaxDelayMs: raw.reconnect_max_delay,
    shutdownTimeoutMs: raw.shutdown_timeout,
  };
});

const cronFieldPattern = /^[0-9A-Za-z*/,?#-]+$/;

/** Five fields (minute hour day month weekday), or six with seconds first. */
export function isCronExpression(text: string): boolean {
  const fields = text.trim().split(/\s+/);
  return (
    (fields.length === 5 || fields.length === 6) && fields.every((field) => cronFieldPattern.test(field))
  );
}

const schedulerSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    interval: z
      .string()
      .refine(isCronExpression, { error: problemMessages.cronExpression })
      .default('*/10 * * * *'),
    fallback_after: duration('5m'),
    resync_on_purged_binlog: z.boolean().default(false),
  })
  .transform((raw) => ({
    enabled: raw.enabled,
    interval: raw.interval.trim(),
    fallbackAfterMs: raw.fallback_after,
    resyncOnPurgedBinlog: raw.resync_on_purged_binlog,
  }));

const originPattern = /^https?:\/\/[^/\s?#]+$/;
const originSchema = z.string().refine((text) => text === '*' || originPattern.test(text), {
  error: problemMessages.origin,
});
const tokenSchema = z.string().min(16);

const serverSchema = z
  .strictObject({
    port: z.int().min(0).max(65_535).default(8080),
    host: nonEmptyText.default('0.0.0.0'),
    auth_token: tokenSchema.optional(),
    read_only_tokens: z.array(tokenSchema).default([]),
    read_timeout: duration('30s'),
    write_timeout: duration('30s'),
    cors_origins: z.array(originSchema).default([]),
  })
  .transform((raw) => ({
    port: raw.port,
    host: raw.host,
    authToken: raw.auth_token,
    readOnlyTokens: [...raw.read_only_tokens],
    readTimeoutMs: raw.read_timeout,
    writeTimeoutMs: raw.write_timeout,
    corsOrigins: [...raw.cors_origins],
  }));

const highAvailabilitySchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    lease_name: nonEmptyText.max(64).default('mysql-sync'),
    lease_ttl: duration('15s'),
    renew_interval: duration('5s'),
  })
  .transform((raw) => ({
    enabled: raw.enabled,
    leaseName: raw.lease_name,
    leaseTtlMs: raw.lease_ttl,
    renewIntervalMs: raw.renew_interval,
  }));

const loggingSchema = z.strictObject({
  level: z.enum(logLevels).default('info'),
  format: z.enum(logFormats).default('json'),
});

/** The whole document. Parse with `parseConfig` (loader.ts), which adds the cross-field checks and readable errors. */
export const serviceConfigSchema = z
  .strictObject({
    databases: z.strictObject({ local: databaseSchema, cloud: databaseSchema }),
    state_storage: stateStorageSchema,
    sync: syncSchema,
    scheduler: schedulerSchema.prefault({}),
    server: serverSchema.prefault({}),
    logging: loggingSchema.prefault({}),
    high_availability: highAvailabilitySchema.prefault({}),
  })
  .transform((raw): ServiceConfig => ({
    databases: raw.databases,
    stateStorage: raw.state_storage,
    sync: raw.sync,
    scheduler: raw.scheduler,
    server: raw.server,
    logging: { level: raw.logging.level, format: raw.logging.format },
    highAvailability: raw.high_availability,
  }));
