# Creates the two accounts core-sync uses on a source database (see docs/operations.md, "Preparing MySQL /
# MariaDB"). Sourced, not executed, by the mariadb image's entrypoint the first time the data directory is
# created (/docker-entrypoint-initdb.d), so docker_process_sql (the entrypoint's client, logged in as root, with
# MARIADB_DATABASE as the default database) is at hand. Keep this file non-executable: an executable one is run in
# a child shell without that function.
#
#   SYNC_USER_PASSWORD    password of sync_user, the account that reads and writes the synced tables
#   REPLICATION_PASSWORD  password of repl_user, the account that reads the binlog

mysql_sync_sql_string() {
  local escaped="${1//\\/\\\\}"
  printf "'%s'" "${escaped//\'/\'\'}"
}

docker_process_sql <<SQL
-- Reads and writes the synced tables, creates missing target tables and the _mysql_sync_checkpoint table.
-- BINLOG MONITOR: the service reads the binlog position (SHOW MASTER STATUS) with this account.
CREATE USER 'sync_user'@'%' IDENTIFIED BY $(mysql_sync_sql_string "${SYNC_USER_PASSWORD:?SYNC_USER_PASSWORD is not set}");
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX ON \`${MARIADB_DATABASE}\`.* TO 'sync_user'@'%';
GRANT BINLOG MONITOR ON *.* TO 'sync_user'@'%';

-- The binlog client: a replica's privileges plus SELECT on the synced database (its table schemas).
CREATE USER 'repl_user'@'%' IDENTIFIED BY $(mysql_sync_sql_string "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD is not set}");
GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'repl_user'@'%';
GRANT SELECT ON \`${MARIADB_DATABASE}\`.* TO 'repl_user'@'%';
SQL
