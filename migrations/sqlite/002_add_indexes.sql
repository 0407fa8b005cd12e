-- Indexes for the API's lists. Keep in step with ../mysql/002_add_indexes.sql.

-- GET /conflicts?resolved=false&table=… newest first.
CREATE INDEX conflicts_resolved_table_detected ON conflicts (resolved, table_name, detected_at);

-- GET /conflicts without a table filter, newest first.
CREATE INDEX conflicts_detected ON conflicts (detected_at);

-- GET /sync/history newest first.
CREATE INDEX sync_history_started ON sync_history (started_at);
