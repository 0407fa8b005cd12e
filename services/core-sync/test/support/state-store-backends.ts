/**
 * The two backends the state-store suites run against: SQLite in a temporary file, and MySQL in a database of
 * its own (`state_<random>`, created by the store itself and dropped afterwards) on the server the global setup
 * names. `describeWithStorage` runs one suite against both.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { describe, inject } from 'vitest';
import {
  openStateStore,
  type OpenStateStoreOptions,
  type StateStore,
  type StateStoreConfig,
  type StateStoreDialect,
} from '../../src/store/index.js';
import { parseServerUrl } from './server-url.js';

export type Row = Record<string, unknown>;

export interface StorageFixture extends AsyncDisposable {
  readonly config: StateStoreConfig;
  /** Opens a store on this fixture's file or database; it is closed when the fixture is disposed. */
  open(options?: OpenStateStoreOptions): Promise<StateStore>;
  /** Rows of a query run directly on the store's database, to check what the store wrote. */
  rows(sql: string): Promise<Row[]>;
  tableNames(): Promise<string[]>;
  /** Takes the migration lock the way another instance would; the returned function releases it. */
  holdMigrationLock(): Promise<() => Promise<void>>;
}

export interface StorageBackend {
  readonly dialect: StateStoreDialect;
  /** Whether a failing migration leaves no trace (SQLite); MySQL commits DDL implicitly. */
  readonly transactionalDdl: boolean;
  /** A config whose store cannot be opened. */
  readonly unreachableConfig: StateStoreConfig;
  create(): Promise<StorageFixture>;
}

function storeOpener(config: StateStoreConfig): {
  readonly open: (options?: OpenStateStoreOptions) => Promise<StateStore>;
  readonly closeAll: () => Promise<void>;
} {
  const openedStores: StateStore[] = [];
  return {
    open: async (options) => {
      const store = await openStateStore(config, options);
      openedStores.push(store);
      return store;
    },
    closeAll: async () => {
      await Promise.all(openedStores.map((store) => store.close()));
    },
  };
}

const sqliteBackend: StorageBackend = {
  dialect: 'sqlite',
  transactionalDdl: true,
  unreachableConfig: { type: 'sqlite', filePath: '/dev/null/not-a-directory/state.db' },
  async create() {
    const directory = await mkdtemp(path.join(tmpdir(), 'state-store-'));
    const config = { type: 'sqlite', filePath: path.join(directory, 'nested', 'state.db') } as const;
    const opener = storeOpener(config);
    const rows = (sql: string): Promise<Row[]> => {
      const database = new Database(config.filePath, { readonly: true });
      try {
        return Promise.resolve(database.prepare(sql).all() as Row[]);
      } finally {
        database.close();
      }
    };
    return {
      config,
      open: opener.open,
      rows,
      async tableNames() {
        const tables = await rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
        return tables.map((table) => String(table.name));
      },
      holdMigrationLock() {
        const database = new Database(config.filePath);
        database.exec('BEGIN IMMEDIATE');
        return Promise.resolve(() => {
          database.exec('COMMIT');
          database.close();
          return Promise.resolve();
        });
      },
      async [Symbol.asyncDispose]() {
        await opener.closeAll();
        await rm(directory, { recursive: true, force: true });
      },
    };
  },
};

const mysqlBackend: StorageBackend = {
  dialect: 'mysql',
  transactionalDdl: false,
  unreachableConfig: {
    type: 'mysql',
    host: '127.0.0.1',
    port: 1,
    user: 'root',
    password: '',
    database: 'state_unreachable',
  },
  create() {
    const server = parseServerUrl(inject('stateServerUrl'));
    const database = `state_${randomBytes(4).toString('hex')}`;
    const config = { type: 'mysql', ...server, database } as const;
    const opener = storeOpener(config);
    const rows = async (sql: string): Promise<Row[]> => {
      const connection = await mysql.createConnection({ ...server, database, dateStrings: true });
      try {
        const [result] = await connection.query<mysql.RowDataPacket[]>(sql);
        return result;
      } finally {
        await connection.end();
      }
    };
    return Promise.resolve({
      config,
      open: opener.open,
      rows,
      async tableNames() {
        const tables = await rows(
          'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY name',
        );
        return tables.map((table) => String(table.name));
      },
      async holdMigrationLock() {
        const connection = await mysql.createConnection({ ...server });
        // The lock is the server's: a store another test worker migrates meanwhile holds it for a moment.
        const [[granted]] = await connection.query<mysql.RowDataPacket[]>(
          "SELECT GET_LOCK('mysql_sync_migrations', 60) AS granted",
        );
        if (Number(granted?.granted) !== 1) {
          await connection.end();
          throw new Error('the migration lock was not granted within 60 s');
        }
        return async () => {
          await connection.query("SELECT RELEASE_LOCK('mysql_sync_migrations')");
          await connection.end();
        };
      },
      async [Symbol.asyncDispose]() {
        await opener.closeAll();
        const connection = await mysql.createConnection({ ...server });
        try {
          await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
        } finally {
          await connection.end();
        }
      },
    });
  },
};

export function describeWithStorage(title: string, body: (backend: StorageBackend) => void): void {
  describe.each([sqliteBackend, mysqlBackend])(`${title} ($dialect)`, body);
}
