/**
 * The configuration as a YAML-shaped document (snake_case keys, durations as text), the inverse of the schema:
 * `parseConfig(configToDocument(config))` gives `config` back. The API shows and edits this shape.
 */
import { formatDuration } from './duration.js';
import { redactedText } from './redact.js';
import type { DatabaseConfig, ServiceConfig, TableConfig, TlsConfig } from './types.js';

export type ConfigDocument = Record<string, unknown>;

/** File paths only: the certificates and keys themselves never enter the configuration. */
function tlsDocument(tls: TlsConfig): Record<string, unknown> {
  return {
    mode: tls.mode,
    ...(tls.caFile === undefined ? {} : { ca_file: tls.caFile }),
    ...(tls.certFile === undefined ? {} : { cert_file: tls.certFile }),
    ...(tls.keyFile === undefined ? {} : { key_file: tls.keyFile }),
  };
}

function databaseDocument(database: DatabaseConfig): Record<string, unknown> {
  return {
    host: database.host,
    port: database.port,
    user: database.user,
    password: database.password,
    database: database.database,
    replication_user: database.replicationUser,
    replication_password: database.replicationPassword,
    ...(database.serverId === undefined ? {} : { server_id: database.serverId }),
    connection_limit: database.connectionLimit,
    tls: tlsDocument(database.tls),
    query_timeout: formatDuration(database.queryTimeoutMs),
  };
}

/** `"id"` or `"tenant_id,id"`, or the list when a name would not survive that text (a comma, blanks at an end). */
function primaryKeyDocument(primaryKey: readonly string[]): string | string[] {
  const asText = primaryKey.every((column) => !column.includes(',') && column.trim() === column);
  return asText ? primaryKey.join(',') : [...primaryKey];
}

function tableDocument(table: TableConfig, defaultBatchSize: number): Record<string, unknown> {
  return {
    name: table.name,
    primary_key: primaryKeyDocument(table.primaryKey),
    conflict_resolution: table.conflictResolution,
    ...(table.prefer === undefined ? {} : { prefer: table.prefer }),
    tie_breaker: table.tieBreaker,
    ...(table.timestampColumn === undefined ? {} : { timestamp_column: table.timestampColumn }),
    ...(table.batchSize === defaultBatchSize ? {} : { batch_size: table.batchSize }),
  };
}

export function configToDocument(config: ServiceConfig): ConfigDocument {
  const { sync, scheduler, server, stateStorage } = config;
  return {
    databases: {
      local: databaseDocument(config.databases.local),
      cloud: databaseDocument(config.databases.cloud),
    },
    state_storage:
      stateStorage.type === 'sqlite'
        ? { type: 'sqlite', file_path: stateStorage.filePath }
        : {
            type: 'mysql',
            host: stateStorage.host,
            port: stateStorage.port,
            user: stateStorage.user,
            password: stateStorage.password,
            database: stateStorage.database,
            tls: tlsDocument(stateStorage.tls),
          },
    sync: {
      mode: sync.mode,
      tables: sync.tables.map((table) => tableDocument(table, sync.batchInsertSize)),
      workers: sync.workers,
      realtime: sync.realtime,
      ddl: sync.ddl,
      batch_insert_size: sync.batchInsertSize,
      queue_capacity: sync.queueCapacity,
      create_missing_tables: sync.createMissingTables,
      on_existing_data: sync.onExistingData,
      snapshot_concurrency: sync.snapshotConcurrency,
      snapshot_writers: sync.snapshotWriters,
      snapshot_chunk_size: sync.snapshotChunkSize,
      heartbeat_interval: formatDuration(sync.heartbeatIntervalMs),
      reconnect_initial_delay: formatDuration(sync.reconnectInitialDelayMs),
      reconnect_max_delay: formatDuration(sync.reconnectMaxDelayMs),
      shutdown_timeout: formatDuration(sync.shutdownTimeoutMs),
    },
    scheduler: {
      enabled: scheduler.enabled,
      interval: scheduler.interval,
      fallback_after: formatDuration(scheduler.fallbackAfterMs),
      resync_on_purged_binlog: scheduler.resyncOnPurgedBinlog,
    },
    server: {
      port: server.port,
      host: server.host,
      ...(server.authToken === undefined ? {} : { auth_token: server.authToken }),
      read_only_tokens: [...server.readOnlyTokens],
      read_timeout: formatDuration(server.readTimeoutMs),
      cors_origins: [...server.corsOrigins],
      trust_proxy: typeof server.trustProxy === 'object' ? [...server.trustProxy] : server.trustProxy,
      event_stream_max_clients: server.eventStreamMaxClients,
      event_stream_max_clients_per_token: server.eventStreamMaxClientsPerToken,
    },
    logging: { level: config.logging.level, format: config.logging.format },
    high_availability: {
      enabled: config.highAvailability.enabled,
      lease_name: config.highAvailability.leaseName,
      lease_ttl: formatDuration(config.highAvailability.leaseTtlMs),
      renew_interval: formatDuration(config.highAvailability.renewIntervalMs),
    },
  };
}

/** Key paths of the passwords in a document. */
export const passwordKeyPaths: readonly (readonly string[])[] = [
  ['databases', 'local', 'password'],
  ['databases', 'local', 'replication_password'],
  ['databases', 'cloud', 'password'],
  ['databases', 'cloud', 'replication_password'],
  ['state_storage', 'password'],
];

/** Key paths of every single-valued secret in a document: the passwords and the admin token. */
export const secretKeyPaths: readonly (readonly string[])[] = [...passwordKeyPaths, ['server', 'auth_token']];

function isRecordValue(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a key path, or undefined. */
export function valueAt(document: unknown, keyPath: readonly string[]): unknown {
  let current: unknown = document;
  for (const key of keyPath) {
    if (!isRecordValue(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** Sets (or with `undefined`, removes) the value at a key path, creating objects on the way; in place. */
export function setValueAt(
  document: Record<string, unknown>,
  keyPath: readonly string[],
  value: unknown,
): void {
  let current: Record<string, unknown> = document;
  for (const key of keyPath.slice(0, -1)) {
    const next = current[key];
    if (!isRecordValue(next)) {
      if (value === undefined) return;
      current[key] = {};
    }
    current = current[key] as Record<string, unknown>;
  }
  const last = keyPath.at(-1);
  if (last === undefined) return;
  if (value === undefined) delete current[last];
  else current[last] = value;
}

/**
 * A copy of the document with every password that is set replaced by `[redacted]`, and every token (the admin
 * token and each read-only token) by what `tokenPlaceholder` gives for it (by default `[redacted]` too).
 */
export function redactDocument(
  document: ConfigDocument,
  tokenPlaceholder: (token: string) => string = () => redactedText,
): ConfigDocument {
  const copy = structuredClone(document);
  for (const keyPath of passwordKeyPaths) {
    if (valueAt(copy, keyPath) !== undefined) setValueAt(copy, keyPath, redactedText);
  }
  const server = copy.server;
  if (!isRecordValue(server)) return copy;
  const redactToken = (token: unknown): string =>
    typeof token === 'string' ? tokenPlaceholder(token) : redactedText;
  if (server.auth_token !== undefined) server.auth_token = redactToken(server.auth_token);
  if (Array.isArray(server.read_only_tokens))
    server.read_only_tokens = server.read_only_tokens.map(redactToken);
  return copy;
}
