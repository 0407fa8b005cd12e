/**
 * The validated configuration as the rest of the service sees it: camelCase, defaults filled in, durations in
 * milliseconds, primary keys as column lists. docs/configuration.md documents every key (in its YAML spelling).
 */

export const syncSides = ['local', 'cloud'] as const;
export type SyncSide = (typeof syncSides)[number];

export const syncModes = ['local_to_cloud', 'cloud_to_local', 'bidirectional'] as const;
export type SyncMode = (typeof syncModes)[number];

/** What a bidirectional start does with a table that has rows on both sides and no checkpoint. */
export const existingDataPolicies = ['reconcile', 'refuse'] as const;
export type ExistingDataPolicy = (typeof existingDataPolicies)[number];
export const ddlPolicies = ['replicate', 'pause'] as const;
export type DdlPolicy = (typeof ddlPolicies)[number];

export const conflictResolutions = ['last_write_wins', 'source_priority', 'manual'] as const;
export type ConflictResolution = (typeof conflictResolutions)[number];

export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type ConfigLogLevel = (typeof logLevels)[number];

export const logFormats = ['json', 'pretty'] as const;
export type ConfigLogFormat = (typeof logFormats)[number];

export const tlsModes = ['disabled', 'preferred', 'required', 'verify_ca', 'verify_identity'] as const;
/**
 * MySQL's `--ssl-mode`: `disabled` never encrypts; `preferred` encrypts when the server offers TLS, without
 * checking its certificate; `required` always encrypts, without checking the certificate; `verify_ca` also checks
 * that a trusted CA signed the server's certificate; `verify_identity` also checks that the certificate names the
 * host connected to.
 */
export type TlsMode = (typeof tlsModes)[number];

/** How the connections to one server are encrypted (docs/configuration.md, "TLS"). File contents are read at start. */
export interface TlsConfig {
  readonly mode: TlsMode;
  /** PEM file of the CA certificate(s) the server's certificate must chain to (verify modes only). */
  readonly caFile?: string;
  /** PEM file of a client certificate (with `keyFile`), for accounts that `REQUIRE X509` / `SUBJECT` / `ISSUER`. */
  readonly certFile?: string;
  /** PEM file of the client certificate's private key (unencrypted). */
  readonly keyFile?: string;
}

export interface DatabaseConfig {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** The account the binlog client logs in with (defaults to `user`). */
  readonly replicationUser: string;
  readonly replicationPassword: string;
  /** The replica server id the binlog client announces; the binlog module picks one when absent. */
  readonly serverId?: number;
  /** Size of the connection pool for reads and writes. */
  readonly connectionLimit: number;
  /** Encryption of every connection to this server (pools, snapshot readers, the binlog stream). */
  readonly tls: TlsConfig;
  /**
   * How long a statement on a pooled connection may wait with nothing coming from the server before the
   * connection is given up (a stalled network or a hung server); the work is then retried on a new connection.
   */
  readonly queryTimeoutMs: number;
}

export interface SqliteStateStorageConfig {
  readonly type: 'sqlite';
  readonly filePath: string;
}

export interface MysqlStateStorageConfig {
  readonly type: 'mysql';
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly tls: TlsConfig;
}

export type StateStorageConfig = SqliteStateStorageConfig | MysqlStateStorageConfig;

interface TableConfigFields {
  readonly name: string;
  /** Primary-key columns in key order (`"tenant_id,id"` in the YAML becomes `['tenant_id', 'id']`). */
  readonly primaryKey: readonly string[];
  /** Rows per write batch: the table's `batch_size`, else `sync.batch_insert_size`. */
  readonly batchSize: number;
  /** Which side wins a last_write_wins tie (equal timestamps). */
  readonly tieBreaker: SyncSide;
  readonly timestampColumn?: string;
  /** The side whose change wins under source_priority: as configured, else the source side of a one-way mode. */
  readonly prefer?: SyncSide;
}

export interface LastWriteWinsTableConfig extends TableConfigFields {
  readonly conflictResolution: 'last_write_wins';
  readonly timestampColumn: string;
}

export interface SourcePriorityTableConfig extends TableConfigFields {
  readonly conflictResolution: 'source_priority';
  readonly prefer: SyncSide;
}

export interface ManualTableConfig extends TableConfigFields {
  readonly conflictResolution: 'manual';
}

/** Narrow on `conflictResolution` to get the fields its strategy needs. */
export type TableConfig = LastWriteWinsTableConfig | SourcePriorityTableConfig | ManualTableConfig;

export interface SyncConfig {
  readonly mode: SyncMode;
  readonly tables: readonly TableConfig[];
  readonly workers: number;
  readonly realtime: boolean;
  /**
   * A schema change (DDL) on a synced table: `replicate` runs it on the other side, in order with the rows;
   * `pause` pauses the table until the operator runs it there and resumes.
   */
  readonly ddl: DdlPolicy;
  readonly batchInsertSize: number;
  readonly queueCapacity: number;
  readonly createMissingTables: boolean;
  /**
   * Bidirectional: a table with rows on both sides and no checkpoint is adopted (`reconcile`: both directions
   * stream, and a reconciling run settles the differences) or the start is refused (`refuse`: TABLES_DIVERGED).
   */
  readonly onExistingData: ExistingDataPolicy;
  readonly snapshotConcurrency: number;
  /** Connections writing one table's snapshot copy. */
  readonly snapshotWriters: number;
  readonly snapshotChunkSize: number;
  readonly heartbeatIntervalMs: number;
  readonly reconnectInitialDelayMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly shutdownTimeoutMs: number;
}

/**
 * Whether the service reads the sources' binlogs: while streaming (`realtime`), and in bidirectional mode always, where
 * even a scheduled run without streaming applies each side's changes since the last run from its binlog (deletes
 * included, conflicts checked) and reads the binlogs to place rows found on one side only.
 */
export function readsBinlogs(sync: Pick<SyncConfig, 'realtime' | 'mode'>): boolean {
  return sync.realtime || sync.mode === 'bidirectional';
}

export interface SchedulerConfig {
  readonly enabled: boolean;
  /** Cron expression (5 or 6 fields) for the periodic reconciliation run. */
  readonly interval: string;
  readonly fallbackAfterMs: number;
  /** One-way: copy the tables again when the binlog position to resume from was purged. */
  readonly resyncOnPurgedBinlog: boolean;
}

export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  /** Bearer token for every API call; the API is open when absent. */
  readonly authToken?: string;
  /** Bearer tokens that may only read (GET). */
  readonly readOnlyTokens: readonly string[];
  readonly readTimeoutMs: number;
  readonly corsOrigins: readonly string[];
  /**
   * Which peers' `X-Forwarded-For` is believed, so a request's address (failed-auth limit, logs) is the client's
   * rather than the reverse proxy's: false (none, the default), true (any), a hop count, or addresses/CIDRs.
   */
  readonly trustProxy: TrustProxy;
  /** Event streams (`GET /api/v1/sync/stream`) open at once, all tokens together; more are refused with 429. */
  readonly eventStreamMaxClients: number;
  /** Event streams open at once for one token (or for everyone, on an open API). */
  readonly eventStreamMaxClientsPerToken: number;
}

/** fastify's `trustProxy`: nobody, everybody, the nearest N hops, or these addresses and CIDR ranges. */
export type TrustProxy = boolean | number | readonly string[];

export interface LoggingConfig {
  readonly level: ConfigLogLevel;
  readonly format: ConfigLogFormat;
}

export interface HighAvailabilityConfig {
  /** Several replicas share a MySQL state store; the one holding the lease streams and applies. */
  readonly enabled: boolean;
  /** One lease per database pair: replicas of the same pair use the same name. */
  readonly leaseName: string;
  /** How long a lease lasts without renewal: a dead leader is replaced after at most this long. */
  readonly leaseTtlMs: number;
  readonly renewIntervalMs: number;
}

export interface ServiceConfig {
  readonly databases: { readonly local: DatabaseConfig; readonly cloud: DatabaseConfig };
  readonly stateStorage: StateStorageConfig;
  readonly sync: SyncConfig;
  readonly scheduler: SchedulerConfig;
  readonly server: ServerConfig;
  readonly logging: LoggingConfig;
  readonly highAvailability: HighAvailabilityConfig;
}
