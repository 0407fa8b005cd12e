/**
 * Checks, before streaming, that a server can be streamed as the given replication user: the binlog on in
 * ROW/FULL/FULL-metadata form, and the privileges a binlog client needs.
 */
import { SyncError, driverErrorCode } from '../errors/index.js';
import {
  checkBinlogSettings,
  columnText,
  createMysqlPool,
  formatSettingProblems,
  quoteIdentifier,
  readServerInfo,
  type MysqlEndpoint,
  type Pool,
  type QueryRow,
} from '../mysql/index.js';
import { privilegeErrorCodes } from './stream-errors.js';

function isPrivilegeError(error: unknown): boolean {
  const code = driverErrorCode(error);
  return code !== undefined && privilegeErrorCodes.has(code);
}

/** Global (`ON *.*`) grant lines of the current user. */
async function readGlobalGrants(pool: Pool): Promise<string[]> {
  const [rows] = await pool.query<QueryRow[]>('SHOW GRANTS');
  return rows
    .map((row) => columnText(Object.values(row)[0]))
    .filter((grant) => /\bON\s+\*\.\*\s+TO\b/i.test(grant));
}

function grantsInclude(grants: readonly string[], privilege: RegExp): boolean {
  return grants.some((grant) => /\bALL PRIVILEGES\b/i.test(grant) || privilege.test(grant));
}

async function findMissingPrivileges(pool: Pool, database: string | undefined): Promise<string[]> {
  const serverInfo = await readServerInfo(pool);
  const missing: string[] = [];
  try {
    await pool.query('SHOW BINARY LOGS');
  } catch (error) {
    if (!isPrivilegeError(error)) throw error;
    missing.push(serverInfo.flavor === 'mariadb' ? 'BINLOG MONITOR' : 'REPLICATION CLIENT');
  }
  // REPLICATION SLAVE only shows when the dump starts; the grants tell it beforehand.
  const grants = await readGlobalGrants(pool);
  if (!grantsInclude(grants, /\bREPLICATION (SLAVE|REPLICA)\b/i)) missing.push('REPLICATION SLAVE');
  if (database !== undefined) {
    try {
      await pool.query(`SHOW TABLES FROM ${quoteIdentifier(database)}`);
    } catch (error) {
      if (!isPrivilegeError(error)) throw error;
      missing.push(`SELECT ON ${quoteIdentifier(database)}.*`);
    }
  }
  return missing;
}

/**
 * Throws SOURCE_SETTINGS_INVALID when the server's binlog settings do not allow row-based change capture,
 * REPLICATION_PRIVILEGES_MISSING (naming the GRANT to run) when the user lacks a privilege, and
 * DATABASE_UNAVAILABLE when the server cannot be reached. Checks SELECT on `endpoint.database` when given.
 */
export async function checkReplicationAccess(endpoint: MysqlEndpoint): Promise<void> {
  const serverLabel = `${endpoint.host}:${endpoint.port}`;
  const pool = createMysqlPool(endpoint, { connectionLimit: 1, purpose: 'replication-check' });
  try {
    const problems = await checkBinlogSettings(pool);
    if (problems.length > 0) {
      throw new SyncError('SOURCE_SETTINGS_INVALID', formatSettingProblems(serverLabel, problems), {
        details: { server: serverLabel, problems },
      });
    }
    const missing = await findMissingPrivileges(pool, endpoint.database);
    if (missing.length > 0) {
      const grantable = missing.filter((privilege) => !privilege.startsWith('SELECT'));
      throw new SyncError(
        'REPLICATION_PRIVILEGES_MISSING',
        `user ${endpoint.user} on ${serverLabel} lacks ${missing.join(', ')}` +
          (grantable.length > 0
            ? `: run GRANT ${grantable.join(', ')} ON *.* TO '${endpoint.user}'@'<host>'`
            : ''),
        { details: { server: serverLabel, user: endpoint.user, missing } },
      );
    }
  } catch (error) {
    if (error instanceof SyncError) throw error;
    if (isPrivilegeError(error)) {
      throw new SyncError(
        'REPLICATION_PRIVILEGES_MISSING',
        `user ${endpoint.user} may not log in to ${serverLabel}`,
        {
          cause: error,
        },
      );
    }
    throw new SyncError('DATABASE_UNAVAILABLE', `failed to check replication access to ${serverLabel}`, {
      cause: error,
    });
  } finally {
    await pool.end().catch(() => undefined);
  }
}
