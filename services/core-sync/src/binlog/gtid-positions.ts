/**
 * Following a source to another server by GTID (after a failover): where recorded GTID states fall in the binlog
 * of the server the service is connected to now.
 *
 * The position of a state is the start of the first transaction that is not in it, provided every transaction
 * before that point is in it and the state has nothing more: the point where the new server's executed state
 * (read from its binlog: each file's starting state, then every GTID event in order) equals the recorded one. A
 * state that never equals it cannot be followed there, and the reason is named:
 * - the new server logged a transaction the state does not hold, from a source the state knows, before it had every
 *   transaction the state holds (another order);
 * - the new server does not have every transaction of the state (it was behind when it was promoted);
 * - the binlog files that would hold the point are purged.
 *
 * Read with SHOW BINARY LOGS and SHOW BINLOG EVENTS (REPLICATION SLAVE; MariaDB: BINLOG MONITOR), from the newest
 * file that starts inside every state to where the last state is found: the transactions in flight when the source
 * failed, not the whole binlog.
 */
import { BinlogPosition } from '../model/index.js';
import type { Pool, QueryRow, ServerFlavor } from '../mysql/index.js';
import { GtidHistory } from './gtid-history.js';
import { listBinaryLogs } from './server-position.js';

interface BinlogEventRow extends QueryRow {
  Pos: number | string;
  Event_type: string;
  End_log_pos: number | string;
  Info: string | null;
}

const pageSize = 5_000;

/** Why a recorded state cannot be followed on the connected server (the caller names the servers). */
export class GtidFollowRefusal extends Error {}

export interface GtidStatePositions {
  /**
   * The position of each state, keyed by the state's text; each position carries the new server's whole state there
   * (the recorded one, plus the foreign transactions before it).
   */
  readonly positions: Map<string, BinlogPosition>;
  /**
   * Transactions the new server logged before those positions from sources no recorded state knows (MySQL source
   * ids, MariaDB domains), none of which writes to the synced database (one that does is refused: the old server
   * may have had it after the checkpoint). Not streamed; the caller warns about them (at most the first 20).
   */
  readonly foreignBefore: readonly string[];
}

/**
 * Places each of `states` (GTID states as checkpoints record them) in the binlog of the server `pool` leads to.
 * Throws GtidFollowRefusal when one cannot be placed there.
 */
export async function positionsOfGtidStates(
  pool: Pool,
  flavor: ServerFlavor,
  states: readonly string[],
  database: string,
): Promise<GtidStatePositions> {
  const pending = new Map(states.map((state) => [state, GtidHistory.parse(state, flavor)]));
  const known = new Set([...pending.values()].flatMap((state) => [...state.sources()]));
  const positions = new Map<string, BinlogPosition>();
  const foreignBefore: string[] = [];
  const files = await listBinaryLogs(pool);
  const start = await newestFileInside(pool, flavor, files, [...pending.values()], known);
  // Matched against the states: the transactions of the sources they know. Recorded with each position: the whole
  // state there, as the new server itself gives it (BINLOG_GTID_POS), foreign transactions included.
  const executed = start.state.restrictedTo(known);
  const whole = start.state;
  /** The foreign transaction being read, if the one being read is foreign. */
  let foreign: string | undefined;
  let end: BinlogPosition | undefined;
  for (const file of files.slice(start.index)) {
    let from = 4;
    for (;;) {
      const events = await readEvents(pool, file, from);
      for (const event of events) {
        const gtid = gtidOf(flavor, event);
        if (gtid === undefined) {
          if (foreign !== undefined && touchesDatabase(event, database)) {
            throw new GtidFollowRefusal(
              `before the recorded position it logged ${foreign}, a transaction from a server or domain the ` +
                `recorded state does not know, which writes to ${database} (${event.Event_type} at ` +
                `${file}:${String(event.Pos)}): the old server may have had it after the checkpoint, or never`,
            );
          }
          continue;
        }
        place(pending, positions, executed, new BinlogPosition(file, Number(event.Pos)), whole);
        if (pending.size === 0) return { positions, foreignBefore };
        whole.add(gtid);
        foreign = known.has(GtidHistory.sourceOf(gtid)) ? undefined : gtid;
        if (foreign === undefined) executed.add(gtid);
        else if (foreignBefore.length < 20) foreignBefore.push(gtid);
      }
      // Events inside a compressed transaction may list positions of their own: go on from the furthest one.
      const furthest = Math.max(from, ...events.map((event) => Number(event.End_log_pos)));
      if (events.length > 0) end = new BinlogPosition(file, furthest);
      if (events.length < pageSize) break;
      if (furthest <= from) throw new Error(`SHOW BINLOG EVENTS does not move past ${file}:${from}`);
      from = furthest;
    }
  }
  if (end !== undefined) place(pending, positions, executed, end, whole);
  if (pending.size > 0) {
    throw new GtidFollowRefusal(
      `it has not executed every transaction of ${[...pending.keys()].join(' and ')} (it was behind the old ` +
        `server when it took over, or does not log what it replicates; it has ${executedText(executed)})`,
    );
  }
  return { positions, foreignBefore };
}

/**
 * True when an event of a transaction may write to `database`: a table map of one of its tables, a statement
 * that names it, or a compressed payload that SHOW BINLOG EVENTS cannot be trusted to open.
 */
function touchesDatabase(event: BinlogEventRow, database: string): boolean {
  const type = event.Event_type.toLowerCase();
  const info = event.Info ?? '';
  if (type === 'table_map') return info.includes(`(${database}.`);
  if (type === 'transaction_payload') return true;
  if (type !== 'query') return false;
  if (/^(BEGIN|COMMIT|ROLLBACK|XA (START|END|PREPARE|COMMIT|ROLLBACK)\b)/i.test(info.trim())) return false;
  return info.toLowerCase().includes(database.toLowerCase());
}

/**
 * Places every pending state that equals `executed` at `position` (recorded with the `whole` state there); refuses
 * one that `executed` went past.
 */
function place(
  pending: Map<string, GtidHistory>,
  found: Map<string, BinlogPosition>,
  executed: GtidHistory,
  position: BinlogPosition,
  whole: GtidHistory,
): void {
  for (const [text, state] of pending) {
    if (executed.equals(state)) {
      found.set(text, position.withGtid(whole.toString()));
      pending.delete(text);
    } else if (!state.includes(executed)) {
      throw new GtidFollowRefusal(
        `before ${position.toString()} it logged transactions the recorded state ${text} does not hold, while ` +
          'not yet holding all of that state (it executed them in another order, or wrote its own into a domain ' +
          'or server id the old server used)',
      );
    }
  }
}

/**
 * The newest binlog file whose starting state (from the known sources) every state includes, and that (whole)
 * starting state.
 */
async function newestFileInside(
  pool: Pool,
  flavor: ServerFlavor,
  files: readonly string[],
  states: readonly GtidHistory[],
  known: ReadonlySet<string>,
): Promise<{ index: number; state: GtidHistory }> {
  for (let index = files.length - 1; index >= 0; index -= 1) {
    const file = files[index] as string;
    const state = await startingState(pool, flavor, file);
    if (states.every((recorded) => recorded.includes(state.restrictedTo(known)))) return { index, state };
  }
  throw new GtidFollowRefusal(
    `its binlog files (${files[0] ?? 'none'} onwards) all start after the recorded position: the transactions ` +
      'after it are purged there',
  );
}

/** The GTID state a binlog file starts from: MySQL's Previous_gtids event, MariaDB's Gtid_list event. */
async function startingState(pool: Pool, flavor: ServerFlavor, file: string): Promise<GtidHistory> {
  const events = await readEvents(pool, file, 4, 4);
  const type = flavor === 'mysql' ? 'previous_gtids' : 'gtid_list';
  const event = events.find((candidate) => candidate.Event_type.toLowerCase() === type);
  if (event === undefined) {
    throw new GtidFollowRefusal(`its binlog file ${file} has no ${type} event: GTIDs are not on there`);
  }
  const info = (event.Info ?? '').replace(/^\[|\]$/g, '').replace(/\s/g, '');
  return GtidHistory.parse(info, flavor);
}

async function readEvents(
  pool: Pool,
  file: string,
  from: number,
  limit = pageSize,
): Promise<BinlogEventRow[]> {
  const [rows] = await pool.query<BinlogEventRow[]>(`SHOW BINLOG EVENTS IN ? FROM ${from} LIMIT ${limit}`, [
    file,
  ]);
  return rows;
}

/** The GTID a GTID event names, undefined for other events; refuses a transaction logged without one. */
function gtidOf(flavor: ServerFlavor, event: BinlogEventRow): string | undefined {
  const type = event.Event_type.toLowerCase();
  if (type === 'anonymous_gtid') {
    throw new GtidFollowRefusal(
      `it logged a transaction without a GTID at ${String(event.Pos)} (gtid_mode is not ON there)`,
    );
  }
  if (!type.startsWith('gtid') || type === 'gtid_list') return undefined;
  const info = event.Info ?? '';
  const match =
    flavor === 'mysql' ? /GTID_NEXT\s*=\s*'([^']+)'/i.exec(info) : /GTID\s+(\d+-\d+-\d+)/.exec(info);
  if (match?.[1] === undefined) throw new Error(`cannot read the GTID of a binlog event: ${info}`);
  return match[1];
}

function executedText(executed: GtidHistory): string {
  return executed.toString() === '' ? 'nothing' : executed.toString();
}
