-- Which columns a resolution with edited data gave, and which it filled from one side's stored row
-- ({"given": [...], "filledFrom": "local" | "cloud" | null, "filled": [...]}). Keep in step with
-- ../mysql/004_conflict_resolution_columns.sql.
ALTER TABLE conflicts ADD COLUMN resolution_columns TEXT
  CHECK (resolution_columns IS NULL OR json_valid(resolution_columns));
