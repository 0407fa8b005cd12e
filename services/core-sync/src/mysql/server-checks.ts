import { columnText, type Pool, type QueryRow } from './driver-types.js';
import { SyncError, driverErrorCode } from '../errors/index.js';

export type ServerFlavor = 'mariadb' | 'mysql';

export interface ServerInfo {
  readonly flavor: ServerFlavor;
  readonly version: string;
  readonly serverId: number;
}

export interface SettingProblem {
  /** The server variable at fault. */
  readonly setting: string;
  readonly actual: string;
  readonly required: string;
  /** How to fix it, e.g. the my.cnf line. */
  readonly remedy: string;
}

interface VariableRow extends QueryRow {
  Variable_name: string;
  Value: string;
}

export async function readServerInfo(pool: Pool): Promise<ServerInfo> {
  const [rows] = await pool.query<QueryRow[]>('SELECT VERSION() AS version, @@server_id AS serverId');
  const version = columnText(rows[0]?.version);
  return {
    flavor: version.toLowerCase().includes('mariadb') ? 'mariadb' : 'mysql',
    version,
    serverId: Number(rows[0]?.serverId ?? 0),
  };
}

export async function readServerVariables(
  pool: Pool,
  names: readonly string[],
): Promise<Map<string, string>> {
  const [rows] = await pool.query<VariableRow[]>(
    `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${names.map(() => '?').join(', ')})`,
    [...names],
  );
  return new Map(rows.map((row) => [row.Variable_name.toLowerCase(), row.Value]));
}

/**
 * What stops row-based change capture on this server: the binlog off, or not ROW/FULL/FULL-metadata.
 * An empty list means the server is ready.
 */
export async function checkBinlogSettings(pool: Pool): Promise<SettingProblem[]> {
  const variables = await readServerVariables(pool, [
    'log_bin',
    'binlog_format',
    'binlog_row_image',
    'binlog_row_metadata',
  ]);
  const problems: SettingProblem[] = [];
  const logBin = (variables.get('log_bin') ?? 'OFF').toUpperCase();
  if (logBin !== 'ON' && logBin !== '1') {
    problems.push({
      setting: 'log_bin',
      actual: logBin,
      required: 'ON',
      remedy:
        'enable the binary log: add `log_bin = mysql-bin` and a unique `server_id` to my.cnf and restart',
    });
  }
  const expectations: [string, string][] = [
    ['binlog_format', 'ROW'],
    ['binlog_row_image', 'FULL'],
    ['binlog_row_metadata', 'FULL'],
  ];
  for (const [setting, required] of expectations) {
    const actual = (variables.get(setting) ?? '(not supported by this server)').toUpperCase();
    if (actual !== required) {
      problems.push({
        setting,
        actual,
        required,
        remedy:
          setting === 'binlog_row_metadata' && !variables.has(setting)
            ? 'use MariaDB 10.5+ or MySQL 8.0.1+, which can log full row metadata'
            : `run \`SET GLOBAL ${setting} = '${required}'\` and add \`${setting} = ${required}\` to my.cnf`,
      });
    }
  }
  return problems;
}

export function formatSettingProblems(serverLabel: string, problems: readonly SettingProblem[]): string {
  const lines = problems.map(
    (problem) => `  ${problem.setting} is ${problem.actual}, needs ${problem.required}: ${problem.remedy}`,
  );
  return `${serverLabel} is not ready for row-based change capture:\n${lines.join('\n')}`;
}

/** What `checkDatabaseExists` names in its errors. */
export interface DatabaseLabel {
  /** `local` or `cloud`. */
  readonly side: string;
  readonly database: string;
  /** `host:port`. */
  readonly server: string;
}

/**
 * Opens a connection of the pool (whose connections use `label.database`): DATABASE_NOT_FOUND when the server
 * has no such database (or denies it to the user), DATABASE_UNAVAILABLE when it cannot be reached.
 */
export async function checkDatabaseExists(pool: Pool, label: DatabaseLabel): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    const details = { ...label };
    const code = driverErrorCode(error);
    // A user without global privileges is told "access denied" for a database that does not exist, too.
    if (code === 'ER_BAD_DB_ERROR' || code === 'ER_DBACCESS_DENIED_ERROR') {
      const why =
        code === 'ER_BAD_DB_ERROR' ? 'does not exist' : 'does not exist or this user may not use it';
      throw new SyncError(
        'DATABASE_NOT_FOUND',
        `database ${label.database} ${why} on the ${label.side} server ${label.server} (databases.${label.side}.database)`,
        { cause: error, details },
      );
    }
    throw new SyncError(
      'DATABASE_UNAVAILABLE',
      `cannot connect to database ${label.database} on the ${label.side} server ${label.server}`,
      { cause: error, details },
    );
  }
}
