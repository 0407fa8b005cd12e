import { openMysqlStateStore, type MysqlStateStoreConfig } from './mysql-state-store.js';
import { openSqliteStateStore, type SqliteStateStoreConfig } from './sqlite-state-store.js';
import type { OpenStateStoreOptions, StateStore, StateStoreConfig } from './state-store.js';

export type { MysqlStateStoreConfig, SqliteStateStoreConfig };

/**
 * Opens the configured state store and brings its schema up to date (creating the SQLite file or the MySQL
 * database when missing). Throws STATE_STORE_FAILED when the store cannot be reached, MIGRATION_FAILED when
 * its schema cannot be brought up to date. Close it with `close()`.
 */
export async function openStateStore(
  config: StateStoreConfig,
  options: OpenStateStoreOptions = {},
): Promise<StateStore> {
  switch (config.type) {
    case 'sqlite':
      return openSqliteStateStore(config, options);
    case 'mysql':
      return openMysqlStateStore(config, options);
  }
}
