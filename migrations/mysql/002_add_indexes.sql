-- Indexes for the API's lists. Keep in step with ../sqlite/002_add_indexes.sql.
-- One ALTER per table: each statement is atomic, and the migration is recorded only after both succeed.

-- GET /conflicts?resolved=false&table=… newest first, and GET /conflicts newest first.
ALTER TABLE conflicts
    ADD INDEX conflicts_resolved_table_detected (resolved, table_name, detected_at),
    ADD INDEX conflicts_detected (detected_at);

-- GET /sync/history newest first.
ALTER TABLE sync_history
    ADD INDEX sync_history_started (started_at);
