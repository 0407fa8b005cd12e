-- State-store schema, MySQL/MariaDB dialect. Keep in step with ../sqlite/001_initial_schema.sql.
-- Timestamps are DATETIME(3) holding UTC (the store sets time_zone = '+00:00' on its sessions and writes
-- every time explicitly).
-- JSON columns are LONGTEXT checked with JSON_VALID rather than the JSON type: MySQL 8's JSON type
-- re-orders object keys and re-spells numbers, and a conflict's row data must come back in column order,
-- exactly as written.
-- DDL commits implicitly in MySQL, so a migration is recorded only after all its statements succeed; a
-- migration that fails half-way is not recorded and may have left earlier statements applied. CREATE TABLE
-- uses IF NOT EXISTS so that a re-run after such a failure can complete.
-- Never edit a migration after it has been applied anywhere: the store refuses to open when an applied
-- file's checksum changes. Add a new numbered file instead.

-- Sync state per table and direction (bidirectional sync keeps one state per direction).
CREATE TABLE IF NOT EXISTS sync_state (
    table_name      VARCHAR(255)  NOT NULL,
    sync_direction  VARCHAR(50)   NOT NULL,
    status          VARCHAR(50)   NOT NULL,
    last_sync_time  DATETIME(3)   NULL,
    binlog_file     VARCHAR(255)  NULL,
    binlog_position BIGINT        NULL,
    gtid            VARCHAR(1024) NULL,
    rows_synced     BIGINT        NOT NULL DEFAULT 0,
    error_message   TEXT          NULL,
    details         LONGTEXT      NULL CHECK (details IS NULL OR JSON_VALID(details)),
    updated_at      DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (table_name, sync_direction)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Conflicts found while applying changes; unresolved ones wait for a decision through the API.
CREATE TABLE IF NOT EXISTS conflicts (
    id                  VARCHAR(36)   NOT NULL,
    table_name          VARCHAR(255)  NOT NULL,
    primary_key_value   VARCHAR(1024) NOT NULL,
    local_data          LONGTEXT      NULL CHECK (local_data IS NULL OR JSON_VALID(local_data)),
    cloud_data          LONGTEXT      NULL CHECK (cloud_data IS NULL OR JSON_VALID(cloud_data)),
    conflict_type       VARCHAR(50)   NOT NULL,
    source_position     TEXT          NULL,
    detected_at         DATETIME(3)   NOT NULL,
    resolved            BOOLEAN       NOT NULL DEFAULT FALSE,
    resolution_strategy VARCHAR(50)   NULL,
    resolved_at         DATETIME(3)   NULL,
    resolved_data       LONGTEXT      NULL CHECK (resolved_data IS NULL OR JSON_VALID(resolved_data)),
    resolved_by         VARCHAR(255)  NULL,
    resolution_side     VARCHAR(50)   NULL,
    PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One row per sync run (initial, manual, scheduled, or fallback full sync).
CREATE TABLE IF NOT EXISTS sync_history (
    id                 VARCHAR(36)  NOT NULL,
    kind               VARCHAR(20)  NOT NULL,
    trigger_source     VARCHAR(255) NULL,
    started_at         DATETIME(3)  NOT NULL,
    completed_at       DATETIME(3)  NULL,
    direction          VARCHAR(50)  NOT NULL,
    tables_synced      LONGTEXT     NOT NULL CHECK (JSON_VALID(tables_synced)),
    total_rows         BIGINT       NOT NULL DEFAULT 0,
    rows_changed       BIGINT       NOT NULL DEFAULT 0,
    conflicts_detected INT          NOT NULL DEFAULT 0,
    status             VARCHAR(50)  NOT NULL,
    error_message      TEXT         NULL,
    trace_id           VARCHAR(64)  NULL,
    PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- A copy of the binlog positions the apply engine commits on each target (the target's own checkpoint
-- table is the authority for resuming); kept here for the status API and the dashboard.
CREATE TABLE IF NOT EXISTS checkpoints (
    source_name     VARCHAR(64)   NOT NULL,
    slot            VARCHAR(191)  NOT NULL,
    binlog_file     VARCHAR(255)  NOT NULL,
    binlog_position BIGINT        NOT NULL,
    gtid            VARCHAR(1024) NULL,
    updated_at      DATETIME(3)   NOT NULL,
    PRIMARY KEY (source_name, slot)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
