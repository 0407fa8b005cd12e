/**
 * Which server a source's binlog positions belong to. A binlog file name and offset mean something only on the
 * server that wrote them: after a failover of the source (a replica promoted, an endpoint that now resolves to
 * another instance, a restore onto a new server) files of the same names can hold other transactions, and
 * streaming from the recorded offset would skip or repeat transactions without any error.
 *
 * The target's checkpoint table records the identity of the source server its positions were read from
 * (`checkpoint-table.ts`, the `server` slot), and every connection of the stream checks it:
 * - Oracle MySQL: `@@server_uuid`, unique per server (a replica has its own);
 * - MariaDB: `@@server_id`, and, because two servers may share one, also the content: the GTID state the server
 *   itself gives for the recorded file and offset (`BINLOG_GTID_POS`) must be the one recorded with it.
 */
import { SyncError } from '../errors/index.js';
import type { BinlogPosition } from '../model/index.js';
import type { Pool, RowDataPacket, ServerFlavor } from '../mysql/index.js';
import { readBinlogGtidPosition } from './server-position.js';

/** `server_uuid:<uuid>` (Oracle MySQL) or `server_id:<id>` (MariaDB). */
export async function readServerIdentity(pool: Pool, flavor: ServerFlavor): Promise<string> {
  if (flavor === 'mysql') {
    const [rows] = await pool.query<RowDataPacket[]>('SELECT @@server_uuid AS identity');
    return `server_uuid:${String(rows[0]?.identity ?? '')}`;
  }
  const [rows] = await pool.query<RowDataPacket[]>('SELECT @@server_id AS identity');
  return `server_id:${String(rows[0]?.identity ?? '')}`;
}

export interface SourceServerCheck {
  readonly flavor: ServerFlavor;
  /** The identity the checkpoints were recorded on. */
  readonly expected: string;
  /** Where the stream is about to start. */
  readonly position: BinlogPosition;
  /** Names the server in messages, e.g. `local (127.0.0.1:3306)`. */
  readonly serverLabel: string;
}

/**
 * Throws SOURCE_SERVER_CHANGED when the connected server is not the one the position was recorded on; resolves
 * when it is (or when it cannot tell, as for a MariaDB position whose file is gone: the stream then reports it).
 */
export async function checkSourceServer(pool: Pool, check: SourceServerCheck): Promise<void> {
  const identity = await readServerIdentity(pool, check.flavor);
  if (identity !== check.expected) throw sourceServerChanged(check, identity, 'its identity');
  if (check.flavor !== 'mariadb' || check.position.gtid === null) return;
  const stateThere = await readBinlogGtidPosition(pool, check.position.file, check.position.offset);
  if (stateThere !== null && !sameMariadbGtidState(stateThere, check.position.gtid)) {
    throw sourceServerChanged(
      check,
      identity,
      `the GTID state at ${check.position.file}:${check.position.offset} (${stateThere}, recorded ${check.position.gtid})`,
    );
  }
}

/** The error for a connected server that is not the one the checkpoints were recorded on. */
export function sourceServerChanged(check: SourceServerCheck, identity: string, what: string): SyncError {
  return new SyncError(
    'SOURCE_SERVER_CHANGED',
    `${check.serverLabel} is not the server the checkpoints were recorded on (${what} differs: recorded ` +
      `${check.expected}, connected to ${identity}): after a failover, or with the source pointed at another ` +
      `server, the binlog position ${check.position.toString()} means nothing here, so the stream does not start ` +
      'from it. See docs/operations.md, "After a failover of a source"',
    {
      details: {
        recordedServer: check.expected,
        connectedServer: identity,
        position: check.position.toString(),
      },
    },
  );
}

/** Two MariaDB GTID states (`domain-server-sequence,…`) hold the same GTID for every domain. */
export function sameMariadbGtidState(left: string, right: string): boolean {
  const entries = (state: string): string[] =>
    state
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0)
      .sort();
  return entries(left).join(',') === entries(right).join(',');
}
