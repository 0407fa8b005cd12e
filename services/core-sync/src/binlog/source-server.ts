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
 * The stream runs the check on its dump connection itself (dump-stream.ts), so a name that now leads to another
 * server is caught on the connection that would read that server's binlog.
 */
import { SyncError } from '../errors/index.js';
import type { BinlogPosition } from '../model/index.js';
import { columnText, type Connection, type Pool, type QueryRow, type ServerFlavor } from '../mysql/index.js';
import { GtidSet } from './gtid-set.js';

/** What the check queries: a pool, or the dump connection itself. */
type Queryable = Pick<Pool, 'query'> | Pick<Connection, 'query'>;

/** `server_uuid:<uuid>` (Oracle MySQL) or `server_id:<id>` (MariaDB). */
export async function readServerIdentity(queryable: Queryable, flavor: ServerFlavor): Promise<string> {
  const [rows] = await queryable.query<QueryRow[]>(
    flavor === 'mysql' ? 'SELECT @@server_uuid AS identity' : 'SELECT @@server_id AS identity',
  );
  return `${flavor === 'mysql' ? 'server_uuid' : 'server_id'}:${columnText(rows[0]?.identity)}`;
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
 * when it is (or when it cannot tell, as for a position whose binlog file is gone: the stream then reports it).
 * Beyond the identity, the content: a MySQL server must have executed every transaction of the recorded GTID set
 * (a copy restored from a snapshot of the datadir keeps the server_uuid); a MariaDB server must give the recorded
 * state for the recorded file and offset, in every domain both name.
 */
export async function checkSourceServer(queryable: Queryable, check: SourceServerCheck): Promise<void> {
  const identity = await readServerIdentity(queryable, check.flavor);
  if (identity !== check.expected) throw sourceServerChanged(check, identity, 'its identity');
  const recorded = check.position.gtid;
  if (recorded === null) return;
  if (check.flavor === 'mysql') {
    const [rows] = await queryable.query<QueryRow[]>('SELECT @@GLOBAL.gtid_executed AS executed');
    const executed = GtidSet.parse(columnText(rows[0]?.executed).replace(/\s/g, ''));
    if (!executed.includes(GtidSet.parse(recorded))) {
      throw sourceServerChanged(
        check,
        identity,
        `its executed GTID set (it lacks transactions of ${recorded})`,
      );
    }
    return;
  }
  const [rows] = await queryable.query<QueryRow[]>('SELECT BINLOG_GTID_POS(?, ?) AS gtidPosition', [
    check.position.file,
    check.position.offset,
  ]);
  const stateThere: unknown = rows[0]?.gtidPosition;
  if (typeof stateThere === 'string' && stateThere !== '') {
    if (!sameMariadbGtidState(stateThere, recorded)) {
      throw sourceServerChanged(
        check,
        identity,
        `the GTID state at ${check.position.file}:${check.position.offset} (${stateThere}, recorded ${recorded})`,
      );
    }
    return;
  }
  // No state there: the offset is not an event boundary of this server's file (another server sharing the
  // server_id), or the file is gone (purged: the stream says so).
  const [logs] = await queryable.query<QueryRow[]>('SHOW BINARY LOGS');
  if (logs.some((log) => log.Log_name === check.position.file)) {
    throw sourceServerChanged(
      check,
      identity,
      `the GTID state at ${check.position.file}:${check.position.offset} (none there, recorded ${recorded})`,
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

/**
 * Two MariaDB GTID states (`domain-server-sequence,…`) agree: the same sequence number in every domain both name,
 * and at least one such domain. (A domain one of them lacks, as after FLUSH BINARY LOGS DELETE_DOMAIN_ID, says
 * nothing either way.)
 */
export function sameMariadbGtidState(left: string, right: string): boolean {
  const lastByDomain = (state: string): Map<string, string> => {
    const domains = new Map<string, string>();
    for (const entry of state.split(',')) {
      const [domain, , sequence] = entry.trim().split('-');
      if (domain !== undefined && sequence !== undefined) domains.set(domain, sequence);
    }
    return domains;
  };
  const leftDomains = lastByDomain(left);
  const rightDomains = lastByDomain(right);
  let shared = 0;
  for (const [domain, sequence] of leftDomains) {
    const other = rightDomains.get(domain);
    if (other === undefined) continue;
    if (other !== sequence) return false;
    shared += 1;
  }
  return shared > 0;
}
