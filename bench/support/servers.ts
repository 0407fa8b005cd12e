/**
 * The benchmark's MariaDB servers: throw-away sandboxes (binlog ROW/FULL) with a buffer pool large enough for
 * the 1M-row tables, removed when the benchmark ends, fails or is interrupted.
 */
import {
  columnText,
  createMysqlConnection,
  type Connection,
  type QueryRow,
} from '../../services/core-sync/src/mysql/index.js';
import { SandboxServer, removeSandboxTemplate } from '../../services/core-sync/src/sandbox/index.js';

/** Server settings on top of the sandbox defaults, listed in each report section. */
export const benchServerArguments = ['--innodb-buffer-pool-size=1G', '--innodb-log-file-size=512M'] as const;

const runningServers = new Set<SandboxServer>();
let cleanupInstalled = false;

async function destroyAll(): Promise<void> {
  const servers = [...runningServers];
  runningServers.clear();
  await Promise.allSettled(servers.map((server) => server.destroy()));
  await removeSandboxTemplate();
}

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: removing the sandbox servers…`);
      void destroyAll().finally(() => process.exit(130));
    });
  }
}

export async function startServer(name: string, serverId: number): Promise<SandboxServer> {
  installCleanup();
  const server = await SandboxServer.start({ name, serverId, extraArguments: benchServerArguments });
  runningServers.add(server);
  return server;
}

/** Runs `work` with a source and a target server, and removes both afterwards whatever happens. */
export async function withServerPair<Result>(
  label: string,
  work: (source: SandboxServer, target: SandboxServer) => Promise<Result>,
): Promise<Result> {
  try {
    const [source, target] = await Promise.all([
      startServer(`bench-${label}-source`, 101),
      startServer(`bench-${label}-target`, 102),
    ]);
    return await work(source, target);
  } finally {
    await destroyAll();
  }
}

/** A connection with the service's own session settings (UTC, exact value types). */
export async function connect(server: SandboxServer, database?: string): Promise<Connection> {
  return createMysqlConnection(
    database === undefined ? server.connectionInfo : { ...server.connectionInfo, database },
    'bench',
  );
}

export async function queryRows(
  connection: Connection,
  sql: string,
  values: unknown[] = [],
): Promise<QueryRow[]> {
  const [rows] = await connection.query<QueryRow[]>(sql, values);
  return rows;
}

export async function recreateDatabase(connection: Connection, database: string): Promise<void> {
  await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await connection.query(`CREATE DATABASE \`${database}\``);
}

/** `SHOW GLOBAL STATUS` values by lower-case name. */
export async function globalStatus(
  connection: Connection,
  names: readonly string[],
): Promise<Map<string, number>> {
  const rows = await queryRows(
    connection,
    `SHOW GLOBAL STATUS WHERE Variable_name IN (${names.map(() => '?').join(', ')})`,
    [...names],
  );
  return new Map(rows.map((row) => [String(row.Variable_name).toLowerCase(), Number(row.Value)]));
}

/** The size of all the server's binlog files, bytes. */
export async function binlogBytes(connection: Connection): Promise<number> {
  const rows = await queryRows(connection, 'SHOW BINARY LOGS');
  return rows.reduce((total, row) => total + Number(row.File_size), 0);
}

export async function serverVersion(connection: Connection): Promise<string> {
  const rows = await queryRows(connection, 'SELECT VERSION() AS version');
  return columnText(rows[0]?.version ?? 'unknown');
}
