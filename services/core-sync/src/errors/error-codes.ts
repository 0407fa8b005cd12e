/**
 * Every error the service reports carries one of these codes. The descriptions are the user documentation
 * (docs/errors.md is generated from them and a test fails when a code has none).
 */
export interface ErrorCodeInfo {
  /** What happened and what the operator should do about it. */
  readonly description: string;
  /** Whether retrying the same operation later can succeed without anyone changing anything. */
  readonly retryable: boolean;
  /** The HTTP status the API answers with when this error reaches it. */
  readonly httpStatus: number;
}

export const errorCodes = {
  CONFIG_NOT_FOUND: {
    description:
      'The configuration file does not exist or cannot be read. Set CONFIG_PATH to the YAML file, or create ./config.yaml from config.example.yaml.',
    retryable: false,
    httpStatus: 500,
  },
  CONFIG_INVALID: {
    description:
      "The configuration (YAML file plus MYSQL_SYNC_* environment overrides) is invalid. The message lists every problem by its key path; fix them and start again. From PUT /api/v1/config it also answers a valid configuration that does not start: a missing table or database, a schema or binlog setting that does not fit, a missing privilege, said as such; but a database that cannot be reached or logged in to (a closed port, an unreachable or unknown host, a timeout, a refused login or TLS handshake, a TLS file that is missing, unreadable or not PEM) is answered with the same words whatever the cause — the endpoint's key path (`databases.cloud`) and the trace id — so the API cannot be used to probe other hosts or the service's files. The cause is in the service log under that trace id (`the new configuration could not start`, with `error`, `errorCode` and `driverCode`). The previous configuration keeps running.",
    retryable: false,
    httpStatus: 400,
  },
  CONFIG_SAVE_FAILED: {
    description:
      'A valid configuration change could not be saved to the config file (a read-only mount, a full disk, missing permissions). The message says whether the change runs anyway (then the file still holds the previous configuration, which the next start uses); make the file writable and send the change again, or edit the file and restart.',
    retryable: false,
    httpStatus: 500,
  },
  SOURCE_SETTINGS_INVALID: {
    description:
      'A source server is not configured for row-based replication (binlog off, binlog_format, binlog_row_image or binlog_row_metadata wrong). The message names the setting and the value it needs.',
    retryable: false,
    httpStatus: 500,
  },
  REPLICATION_PRIVILEGES_MISSING: {
    description:
      'The replication user lacks REPLICATION SLAVE / REPLICATION CLIENT (MariaDB: BINLOG MONITOR, REPLICATION SLAVE) or SELECT on the synced database. Grant them and restart.',
    retryable: false,
    httpStatus: 500,
  },
  DATABASE_NOT_FOUND: {
    description:
      'A configured database (databases.local.database or databases.cloud.database) does not exist on its server, or the configured user may not use it. Names are case-sensitive and used exactly as written; check the name, create the database or grant the user access to it.',
    retryable: false,
    httpStatus: 500,
  },
  TABLE_NOT_FOUND: {
    description:
      'A configured table does not exist where the service needs it: on the source database (one-way), on neither database (bidirectional), or on one of them while sync.create_missing_tables is false (then the other one has it; with true, the service creates it there from that definition). The message names the table, the side and the database. Check sync.tables[].name, or create the table.',
    retryable: false,
    httpStatus: 500,
  },
  TABLE_NO_PRIMARY_KEY: {
    description:
      'A configured table has no primary key, or its primary key differs from sync.tables[].primary_key. Every synced table needs a primary key so each row can be identified on both sides.',
    retryable: false,
    httpStatus: 500,
  },
  TABLE_COLUMN_UNSUPPORTED: {
    description:
      'A synced table has a column core-sync cannot carry: `__proto__`, which JavaScript row objects cannot hold as a key (the MySQL driver refuses such a row, and the binlog reader would drop its value). The message names the table and the column. Rename the column, or leave the table out of sync.tables. Added by a schema change while streaming, it pauses the table (TABLE_PAUSED_DDL).',
    retryable: false,
    httpStatus: 500,
  },
  TABLE_VERSIONING_UNSUPPORTED: {
    description:
      'A synced table is system-versioned by transaction id (MariaDB period columns of type BIGINT UNSIGNED, `GENERATED ALWAYS AS ROW START` / `ROW END`). MariaDB logs the changes of such a table as statements, not rows, even with binlog_format=ROW, so the service cannot stream them. The message names the table. Version it by time instead (TIMESTAMP(6) period columns, or `WITH SYSTEM VERSIONING` without period columns, which core-sync syncs), or leave it out of sync.tables. Made so by a schema change while streaming, it pauses the table (TABLE_PAUSED_DDL).',
    retryable: false,
    httpStatus: 500,
  },
  TABLE_SCHEMA_MISMATCH: {
    description:
      'The target table exists but its columns differ from the source table, or sync.tables[].timestamp_column names a column the table does not have. The message names the columns; align the schemas (or drop the empty target table to let the service create it), or fix timestamp_column.',
    retryable: false,
    httpStatus: 500,
  },
  ROW_IMAGE_INCOMPLETE: {
    description:
      'A change of a synced table was logged without some of its columns: the writing session set binlog_row_image to NOBLOB or MINIMAL (the start check sees only the global value). Applied as whole, it would null the missing columns or lose the row, so the table is paused at that change and nothing of it is applied; the message names the table and the columns, and the other tables carry on. Set binlog_row_image=FULL for every session that writes synced tables, then copy the table again (see Recovering from a purged binlog).',
    retryable: false,
    httpStatus: 500,
  },
  TABLE_COLLATION_UNSUPPORTED: {
    description:
      "A missing target table (sync.create_missing_tables) uses a collation the target server does not have (MySQL's utf8mb4_0900_* on MariaDB, MariaDB's NO PAD ones on MySQL), and none of the target's compares like it where that matters: on a column of a primary, unique or foreign key, where another comparison could change which rows collide, or a collation with no counterpart at all (MySQL's language tailorings). The message names the table, each column and its collation. Nothing was created: create the table on the target yourself, with collations you choose for those columns, then start again. Columns in no key get the target's closest collation without this error (docs/operations.md, Tables across MariaDB and MySQL).",
    retryable: false,
    httpStatus: 500,
  },
  TABLE_CREATE_FAILED: {
    description:
      "The target server refused to create a missing table from the source's definition (sync.create_missing_tables): the definition uses something the target does not have (a type, an option, a storage engine). The message names the table and the server's error code; the log has the server's message and the statement. Create the table on the target yourself with the same columns and primary key, then start again.",
    retryable: false,
    httpStatus: 500,
  },
  TABLE_PAUSED_DDL: {
    description:
      "A schema change (DDL) on a synced table was seen in the binlog that core-sync does not carry over: RENAME TABLE, DROP TABLE, CREATE TABLE over a synced table, partition or tablespace operations, a statement the target refused (SCHEMA_CHANGE_FAILED), two sides changing one table at once into different definitions, or any DDL with sync.ddl: pause. The status names the statement. The table is paused (its changes are kept in the binlog, nothing is applied wrongly); bring the target's table to the same definition, then resume with POST /api/v1/sync/resume (or restart core-sync).",
    retryable: false,
    httpStatus: 500,
  },
  SCHEMA_CHANGE_FAILED: {
    description:
      "The target refused a schema change (DDL) that core-sync replicated from the other side (sync.ddl: replicate): a statement the target server does not have, a column the target already has, or a foreign key its rows break. The table is paused (TABLE_PAUSED_DDL) with the statement and the server's error; its changes wait in the binlog. Make the target's table what the statement would have made it (run it, or an equivalent one, yourself), then resume with POST /api/v1/sync/resume: core-sync sees that the table changed and does not run the statement again.",
    retryable: false,
    httpStatus: 500,
  },
  TABLES_DIVERGED: {
    description:
      'Bidirectional sync with sync.on_existing_data: refuse was started on a table that has rows on both sides and no checkpoint from either direction. Set on_existing_data to reconcile (the default: the table is adopted, both directions stream and an adoption run settles the differences; preview it with a dry run first), or empty one side (it is then copied from the other).',
    retryable: false,
    httpStatus: 500,
  },
  CONFLICT_NOT_FOUND: {
    description: 'No conflict has the given id. List conflicts with GET /api/v1/conflicts.',
    retryable: false,
    httpStatus: 404,
  },
  CONFLICT_ALREADY_RESOLVED: {
    description:
      'The conflict was already resolved (by someone else, or by an earlier request). Nothing was written; read it again to see the resolution.',
    retryable: false,
    httpStatus: 409,
  },
  CONFLICT_RESOLUTION_INVALID: {
    description:
      'The resolution of a conflict is not usable: edited data must be an object of column values that keeps the primary key of the conflicting row, and names only columns the table has on both sides (`details.unknownColumns`). The message names what is wrong.',
    retryable: false,
    httpStatus: 400,
  },
  CONFLICT_RESOLUTION_REFUSED: {
    description:
      "A side's server refused the chosen version of a conflicting row (most often a foreign key: the row's parent is missing on that side, or a delete of a row other rows reference without a cascade). Resolutions are written with the foreign-key checks on, as the stream writes, and both sides in one go: nothing was written on either side, and the conflict still waits. The message names the side, the row and the server's error. Resolve the related row first (the parent's conflict), or choose another version.",
    retryable: false,
    httpStatus: 409,
  },
  CONFLICT_RESOLUTION_INCOMPLETE: {
    description:
      'Edited data for a conflict leaves columns of the table out (`details.missingColumns`), and nothing fills them: both sides must end with the same whole row, so nothing was written and the conflict still waits. Give every column, or add `"fillFrom": "local"` or `"cloud"` to take the left-out columns from that side\'s stored row (not possible when the row is absent on that side).',
    retryable: false,
    httpStatus: 400,
  },
  ROW_REJECTED: {
    description:
      'The target refused a row (for example a value too long, a value its strict sql_mode does not take, or a constraint). The table is paused with the row, the error and the binlog position in its status; nothing after it is applied or lost. Refused during the initial copy, the copy of that table stops (the row and the error in its status; the other tables carry on), and the table is copied again after the resume. Fix the target (or the row), then resume with POST /api/v1/sync/resume (or restart core-sync).',
    retryable: false,
    httpStatus: 500,
  },
  TARGET_READ_ONLY: {
    description:
      'The target database refuses writes because it is read-only (read_only or super_read_only is ON: a replica, or a primary demoted in a switchover). The batch was rolled back and each table it touched is paused with this code; their changes stay in the source binlog, nothing is lost. Make the target writable (SET GLOBAL read_only = OFF) or point the service at the writable primary, then resume with POST /api/v1/sync/resume (or restart core-sync): the tables resume from their checkpoints.',
    retryable: false,
    httpStatus: 500,
  },
  TARGET_FULL: {
    description:
      'The target database has no room for the rows: a disk, tablespace or table is full (the server answered "table is full" or "disk full"). The batch was rolled back and each table it touched is paused with this code; their changes stay in the source binlog, nothing is lost. Free space or raise the limit on the target, then resume with POST /api/v1/sync/resume (or restart core-sync).',
    retryable: false,
    httpStatus: 500,
  },
  ROW_TOO_LARGE: {
    description:
      "A row does not fit in one statement to the target: it is larger than the target's max_allowed_packet. The table is paused with the row's key and size (statements of several rows are split to fit, only a single row too large pauses); nothing after it is applied or lost. Raise max_allowed_packet on the target (and in its my.cnf) above the largest row, then resume with POST /api/v1/sync/resume (or restart core-sync).",
    retryable: false,
    httpStatus: 500,
  },
  BINLOG_PURGED: {
    description:
      'The binlog file the service needs to resume from was purged on the source. Changes since then cannot be streamed: run a full resync of the affected tables (drop the checkpoint) and raise binlog retention (binlog_expire_logs_seconds).',
    retryable: false,
    httpStatus: 500,
  },
  SOURCE_SERVER_CHANGED: {
    description:
      'The source server is not the one the checkpoints were recorded on (a failover promoted a replica, an endpoint now leads to another instance, or the configuration points at another server), and the positions cannot be used there: a binlog file and offset of one server mean nothing on another. Under a running service the stream stops here, and the service restarts itself to follow the source to the new server by GTID. At start this is raised only when that cannot be done, and the message says why: positions recorded without GTID states, a new server that was behind the old one, purged binlog files, or another order of transactions. Point the source back at the recorded server, or copy the tables again from the new one (docs/operations.md, "After a failover of a source").',
    retryable: false,
    httpStatus: 500,
  },
  BINLOG_STREAM_FAILED: {
    description:
      'The binlog stream broke (connection lost, server restarted, heartbeat missed). The service reconnects with backoff and resumes from its last checkpoint.',
    retryable: true,
    httpStatus: 503,
  },
  DATABASE_UNAVAILABLE: {
    description:
      'A database could not be reached or dropped the connection. The operation is retried with backoff.',
    retryable: true,
    httpStatus: 503,
  },
  DATABASE_TLS_FAILED: {
    description:
      'A database connection could not be secured as its `tls` settings ask: a ca_file, cert_file or key_file is missing, unreadable or not PEM (or the key does not belong to the certificate); the server offers no TLS while the mode requires it; or the TLS handshake failed, in any mode (`preferred` falls back to plain text only when the server offers no TLS, never after a failed handshake) — the server certificate is not signed by the configured CA, does not name the host (verify_identity), or has expired; the two sides share no TLS version or cipher; the connection was reset or answered by something that does not speak TLS. The message names the side (local, cloud, state store), the server, the key path, the reason and what to do. Fix the files or the server (or whatever intercepts the connection), or choose another tls.mode, and start again.',
    retryable: false,
    httpStatus: 500,
  },
  DATABASE_ACCESS_DENIED: {
    description:
      'A database refused the login of a configured account: a wrong user or password, a host the account may not connect from, or an account that REQUIREs SSL or X509 over a connection without TLS or without a client certificate. The message names the side, the user and whether the connection was encrypted; fix the account or the settings (password, tls.mode, tls.cert_file/key_file) and start again.',
    retryable: false,
    httpStatus: 500,
  },
  APPLY_FAILED: {
    description:
      'A batch could not be written to the target and was rolled back. It is retried with backoff; nothing is lost.',
    retryable: true,
    httpStatus: 503,
  },
  SNAPSHOT_FAILED: {
    description:
      'Copying a table for its initial snapshot failed. The copy is retried from the start of the table.',
    retryable: true,
    httpStatus: 503,
  },
  STATE_STORE_FAILED: {
    description:
      'The state store (SQLite file or MySQL database) could not be read or written. Check the state_storage settings, the disk, and the database.',
    retryable: true,
    httpStatus: 503,
  },
  STATE_STORE_UNAVAILABLE: {
    description:
      'The state store cannot be reached (MySQL: the server is down, refuses or drops connections, or does not answer within 30 s; SQLite: the file cannot be opened, read or written). Syncing goes on: the checkpoints that make it exactly-once are on the target databases, not in the store. What waits until the store is back: the copies of checkpoints and table states the API shows, the sync history (a full sync run cannot be recorded), and in bidirectional mode every batch that meets a conflict (it is rolled back and retried, so the conflict is recorded exactly once). The outage shows on GET /health (degraded) and GET /api/v1/sync/status, and is logged when it begins and when it ends. With high availability, a leader that cannot renew its lease steps down.',
    retryable: true,
    httpStatus: 503,
  },
  MIGRATION_FAILED: {
    description:
      'A state-store schema migration failed. The message names the migration file; the store is left at the previous version.',
    retryable: false,
    httpStatus: 500,
  },
  SHUTDOWN_TIMEOUT: {
    description:
      'Shutdown did not finish draining within its time limit. Whatever was not applied is re-read from the binlog at the next start; nothing is lost.',
    retryable: false,
    httpStatus: 500,
  },
  SYNC_ALREADY_RUNNING: {
    description:
      'A full sync is already running (started by a person, the scheduler or the binlog fallback); only one runs at a time. Wait for it to end, or stop it with POST /api/v1/sync/stop.',
    retryable: true,
    httpStatus: 409,
  },
  SYNC_NOT_RUNNING: {
    description: 'There is no full sync running to stop. GET /api/v1/sync/status shows the last run.',
    retryable: false,
    httpStatus: 409,
  },
  NOTHING_PAUSED: {
    description:
      "POST /api/v1/sync/resume was asked for while no table is paused: there is nothing to resume. GET /api/v1/sync/status shows each table's state.",
    retryable: false,
    httpStatus: 409,
  },
  SYNC_REQUEST_INVALID: {
    description:
      'A full-sync request names a table that is not configured, or a direction the configured sync.mode does not sync. The message names it.',
    retryable: false,
    httpStatus: 400,
  },
  FULL_SYNC_FAILED: {
    description:
      'A full sync run failed: the message names the table and what failed (reading a chunk, writing a fix). Rows already repaired stay repaired; run it again once the cause is fixed.',
    retryable: true,
    httpStatus: 500,
  },
  REQUEST_INVALID: {
    description:
      'The API request is malformed: a parameter or body field is missing, has the wrong type or is out of range. The details name each field at fault.',
    retryable: false,
    httpStatus: 400,
  },
  UNAUTHORIZED: {
    description:
      'The API request has no bearer token, or not one the service knows. Send `Authorization: Bearer <token>` with server.auth_token or one of server.read_only_tokens.',
    retryable: false,
    httpStatus: 401,
  },
  FORBIDDEN: {
    description:
      'The token is a read-only token (server.read_only_tokens) and the request changes something. Use the admin token (server.auth_token).',
    retryable: false,
    httpStatus: 403,
  },
  NOT_FOUND: {
    description: 'No such API route or resource. GET /api/v1/openapi.json lists every route.',
    retryable: false,
    httpStatus: 404,
  },
  RATE_LIMITED: {
    description:
      'Too many requests with a wrong token from this client address; further attempts are refused for a while. Wait, then use a valid token.',
    retryable: true,
    httpStatus: 429,
  },
  TOO_MANY_STREAMS: {
    description:
      'GET /api/v1/sync/stream was refused because the service already serves as many event streams as it allows: in all (server.event_stream_max_clients, default 100) or for this token (server.event_stream_max_clients_per_token, default 10). The message and details.cap say which. Open streams are never dropped to make room: close streams you no longer read (one per dashboard tab is enough), retry after Retry-After, or raise the cap.',
    retryable: true,
    httpStatus: 429,
  },
  PAYLOAD_TOO_LARGE: {
    description:
      'The API request body is larger than the service accepts (1 MiB). Send a smaller body; a configuration document is far below this limit.',
    retryable: false,
    httpStatus: 413,
  },
  UNSUPPORTED_MEDIA_TYPE: {
    description:
      'The API request body has a Content-Type the service does not read. Send JSON with `Content-Type: application/json`.',
    retryable: false,
    httpStatus: 415,
  },
  SERVICE_STOPPING: {
    description:
      'The service is shutting down and no longer takes requests. Retry against another replica, or once the service has restarted.',
    retryable: true,
    httpStatus: 503,
  },
  LEASE_LOST: {
    description:
      'This replica held the leadership lease (high_availability) but another replica has taken it over, because the lease was not renewed in time (a pause, or the state store unreachable). Its writes are refused on the target (fenced by the lease epoch) and it goes back to standby; the new leader carries on from the checkpoints. Nothing is lost or applied twice.',
    retryable: true,
    httpStatus: 503,
  },
  INTERNAL: {
    description: 'An unexpected error (a bug). Please report it with the log lines around it.',
    retryable: false,
    httpStatus: 500,
  },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof errorCodes;
