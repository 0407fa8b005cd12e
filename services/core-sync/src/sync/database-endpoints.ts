/**
 * Where a sync service connects on one side, and how securely: the application account (pools, snapshot readers)
 * and the replication account (the binlog stream), both with the side's TLS. Set up once per service start: the
 * TLS files are read, each account logs in once (mysql/connection-check.ts, which also settles
 * `tls.mode: preferred`), and the negotiated encryption is logged.
 */
import type { DatabaseConfig } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import type { SideName } from '../model/index.js';
import {
  checkConnection,
  loadTls,
  logLoginCheck,
  type CheckedEndpoint,
  type SecuredEndpoint,
} from '../mysql/index.js';

export interface SideEndpoints {
  /** The `user` account, without a default database (pools add it). */
  readonly application: SecuredEndpoint;
  /** The `replication_user` account, with the same TLS. */
  readonly replication: SecuredEndpoint;
}

export interface ConnectSideOptions {
  /** Whether the replication account logs in too (this side is streamed from). */
  readonly checkReplication: boolean;
  readonly logger: Logger;
}

function logChecked(logger: Logger, side: SideName, checked: CheckedEndpoint): void {
  logLoginCheck(logger, checked, `the ${side} database`, { side }, 'database login checked');
}

/**
 * Reads the side's TLS files and logs in as its accounts once. Throws DATABASE_TLS_FAILED, DATABASE_ACCESS_DENIED
 * or DATABASE_UNAVAILABLE naming the side, the account and the TLS settings.
 */
export async function connectSide(
  database: DatabaseConfig,
  side: SideName,
  options: ConnectSideOptions,
): Promise<SideEndpoints> {
  const tls = loadTls(database.tls, { keyPath: `databases.${side}.tls`, label: `${side} database` });
  const server = { host: database.host, port: database.port };
  const checked = await checkConnection({ ...server, user: database.user, password: database.password, tls });
  logChecked(options.logger, side, checked);
  const application = checked.endpoint;
  const replicationAccount = { user: database.replicationUser, password: database.replicationPassword };
  const separateAccount =
    database.replicationUser !== database.user || database.replicationPassword !== database.password;
  if (!options.checkReplication || !separateAccount) {
    return { application, replication: { ...application, ...replicationAccount } };
  }
  // The replication account settles its own TLS, from the settings rather than from what the first login found.
  const checkedReplication = await checkConnection({ ...server, ...replicationAccount, tls });
  logChecked(options.logger, side, checkedReplication);
  return { application, replication: checkedReplication.endpoint };
}
