-- State-store schema, SQLite dialect. Keep in step with ../mysql/001_initial_schema.sql.
-- Timestamps are ISO-8601 UTC text with milliseconds ('2024-05-01T12:00:00.123Z'), so they sort as text.
-- JSON columns hold JSON text exactly as the service wrote it (key order and number spelling kept).
-- Never edit a migration after it has been applied anywhere: the store refuses to open when an applied
-- file's checksum changes. Add a new numbered file instead.

-- Sync state per table and direction (bidirectional sync keeps one state per direction).
CREATE TABLE sync_state (
    table_name      TEXT    NOT NULL,
    sync_direction  TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    last_sync_time  TEXT,
    binlog_file     TEXT,
    binlog_position INTEGER,
    gtid            TEXT,
    rows_synced     INTEGER NOT NULL DEFAULT 0,
    error_message   TEXT,
    details         TEXT CHECK (details IS NULL OR json_valid(details)),
    updated_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (table_name, sync_direction)
) STRICT;

-- Conflicts found while applying changes; unresolved ones wait for a decision through the API.
CREATE TABLE conflicts (
    id                  TEXT    NOT NULL PRIMARY KEY,
    table_name          TEXT    NOT NULL,
    primary_key_value   TEXT    NOT NULL,
    local_data          TEXT CHECK (local_data IS NULL OR json_valid(local_data)),
    cloud_data          TEXT CHECK (cloud_data IS NULL OR json_valid(cloud_data)),
    conflict_type       TEXT    NOT NULL,
    source_position     TEXT,
    detected_at         TEXT    NOT NULL,
    resolved            INTEGER NOT NULL DEFAULT 0 CHECK (resolved IN (0, 1)),
    resolution_strategy TEXT,
    resolved_at         TEXT,
    resolved_data       TEXT CHECK (resolved_data IS NULL OR json_valid(resolved_data)),
    resolved_by         TEXT,
    resolution_side     TEXT
) STRICT;

-- One row per sync run (initial, manual, scheduled, or fallback full sync).
CREATE TABLE sync_history (
    id                 TEXT    NOT NULL PRIMARY KEY,
    kind               TEXT    NOT NULL,
    trigger_source     TEXT,
    started_at         TEXT    NOT NULL,
    completed_at       TEXT,
    direction          TEXT    NOT NULL,
    tables_synced      TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(tables_synced)),
    total_rows         INTEGER NOT NULL DEFAULT 0,
    rows_changed       INTEGER NOT NULL DEFAULT 0,
    conflicts_detected INTEGER NOT NULL DEFAULT 0,
    status             TEXT    NOT NULL,
    error_message      TEXT,
    trace_id           TEXT
) STRICT;

-- A copy of the binlog positions the apply engine commits on each target (the target's own checkpoint
-- table is the authority for resuming); kept here for the status API and the dashboard.
CREATE TABLE checkpoints (
    source_name     TEXT    NOT NULL,
    slot            TEXT    NOT NULL,
    binlog_file     TEXT    NOT NULL,
    binlog_position INTEGER NOT NULL,
    gtid            TEXT,
    updated_at      TEXT    NOT NULL,
    PRIMARY KEY (source_name, slot)
) STRICT;
