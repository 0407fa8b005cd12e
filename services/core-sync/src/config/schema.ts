import { isIP } from 'node:net';
import { z } from 'zod';
import { isRecord } from './document-values.js';
import { problemMessages } from './problems.js';
import { duration, nonEmptyText } from './schema-parts.js';
import { serverSchema } from './server-schema.js';
import {
  conflictResolutions,
  logFormats,
  logLevels,
  syncModes,
  existingDataPolicies,
  ddlPolicies,
  syncSides,
  tlsModes,
  type DatabaseConfig,
  type ServiceConfig,
  type StateStorageConfig,
  type SyncConfig,
  type SyncMode,
  type SyncSide,
  type TableConfig,
  type TlsConfig,
} from './types.js';

/**
 * The YAML configuration (snake_case keys, see docs/configuration.md) and its transformation into `ServiceConfig`.
 * Objects are strict, so a misspelt key is an error rather than a silently ignored setting. Checks that relate
 * several keys (duplicate tables, last_write_wins without timestamp_column…) also live in cross-checks.ts, which
 * runs even when other parts of the document are invalid.
 */

const databasePort = z.int().min(1).max(65_535);

/** `"id"`, `"tenant_id,id"` or `[tenant_id, id]` → the column list (a name with a comma needs the list). */
const primaryKeySchema = z.unknown().transform((value, context): string[] => {
  if (value === undefined) {
    context.addIssue({ code: 'custom', message: 'required' });
    return z.NEVER;
  }
  // The text form splits on commas and trims blanks; a list keeps each name exactly as written (MySQL allows a
  // comma or a leading blank in a column name).
  const columns = typeof value === 'string' ? value.split(',').map((column) => column.trim()) : value;
  if (!Array.isArray(columns) || !columns.every((column) => typeof column === 'string')) {
    context.addIssue({
      code: 'custom',
      message: 'must be a column name, "col_a,col_b", or a list of column names',
    });
    return z.NEVER;
  }
  if (columns.length === 0 || columns.some((column) => column.trim() === '')) {
    context.addIssue({ code: 'custom', message: 'must name at least one column and no empty ones' });
    return z.NEVER;
  }
  if (new Set(columns).size !== columns.length) {
    context.addIssue({ code: 'custom', message: 'names a column twice' });
    return z.NEVER;
  }
  return columns;
});

const verifyingModes: ReadonlySet<string> = new Set(['verify_ca', 'verify_identity']);

/**
 * `tls` of a database or the MySQL state store: absent means `mode: preferred`. The files are only named here;
 * they are read when the connections are set up (mysql/tls.ts), so a missing file is reported at start.
 */
const tlsSchema = z
  .strictObject({
    mode: z.enum(tlsModes).default('preferred'),
    ca_file: nonEmptyText.optional(),
    cert_file: nonEmptyText.optional(),
    key_file: nonEmptyText.optional(),
  })
  .transform((raw, context): TlsConfig => {
    const problems: { key: string; message: string }[] = [];
    if (raw.ca_file !== undefined && !verifyingModes.has(raw.mode)) {
      problems.push({
        key: 'ca_file',
        message: `is only used by mode verify_ca or verify_identity (mode ${raw.mode} does not check the server's certificate)`,
      });
    }
    if (raw.mode === 'disabled') {
      for (const key of ['cert_file', 'key_file'] as const) {
        if (raw[key] !== undefined) problems.push({ key, message: 'is not used when mode is disabled' });
      }
    } else if (raw.cert_file !== undefined && raw.key_file === undefined) {
      problems.push({
        key: 'key_file',
        message: 'required with cert_file (the client certificate needs its key)',
      });
    } else if (raw.key_file !== undefined && raw.cert_file === undefined) {
      problems.push({
        key: 'cert_file',
        message: 'required with key_file (the key needs its client certificate)',
      });
    }
    for (const problem of problems) {
      context.addIssue({ code: 'custom', message: problem.message, path: [problem.key] });
    }
    if (problems.length > 0) return z.NEVER;
    return {
      mode: raw.mode,
      ...(raw.ca_file === undefined ? {} : { caFile: raw.ca_file }),
      ...(raw.cert_file === undefined ? {} : { certFile: raw.cert_file }),
      ...(raw.key_file === undefined ? {} : { keyFile: raw.key_file }),
    };
  })
  .prefault({});

/**
 * verify_identity matches the host name connected to against the server's certificate. The driver (mysql2) only
 * does that for a name: for an IP address it would check the certificate against "localhost" instead, so an IP
 * host with verify_identity is refused rather than checked less than it says.
 */
function checkIdentityHost(raw: { host: string; tls: TlsConfig }, context: z.core.$RefinementCtx): void {
  if (raw.tls.mode === 'verify_identity' && isIP(raw.host) !== 0) {
    context.addIssue({
      code: 'custom',
      path: ['tls', 'mode'],
      message: problemMessages.identityNeedsHostName,
    });
  }
}

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
    tls: tlsSchema,
    query_timeout: duration('60s'),
  })
  .superRefine(checkIdentityHost)
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
    tls: raw.tls,
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
      z
        .strictObject({
          type: z.literal('mysql'),
          host: nonEmptyText,
          port: databasePort.default(3306),
          user: nonEmptyText,
          password: z.string().default(''),
          database: nonEmptyText,
          tls: tlsSchema,
        })
        .superRefine(checkIdentityHost),
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
  ddl: z.enum(ddlPolicies).default('replicate'),
  batch_insert_size: z.int().min(1).max(100_000).default(1_000),
  queue_capacity: z.int().min(100).default(10_000),
  create_missing_tables: z.boolean().default(true),
  on_existing_data: z.enum(existingDataPolicies).default('reconcile'),
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
    ddl: raw.ddl,
    batchInsertSize: raw.batch_insert_size,
    queueCapacity: raw.queue_capacity,
    createMissingTables: raw.create_missing_tables,
    onExistingData: raw.on_existing_data,
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
