/**
 * The GTID state after each committed group, for the `gtid` of commit positions: on MariaDB the last GTID per
 * replication domain (`domain-server-seq[,…]`, what `@@gtid_binlog_pos` and `BINLOG_GTID_POS()` print), on MySQL the
 * executed GTID set.
 *
 * Seeded from the start position's state. A MySQL start position without one (a checkpoint written before GTIDs
 * were recorded, a position read without performance_schema.log_status) gets the server's executed set read at
 * the stream's start (`ServerGtidState`): the set at that later position `from`. Every transaction between the
 * start and `from` is in it, and is also streamed, so from `from` on the state is that set plus every GTID the
 * stream shows; before `from` it is unknown (null): the set would claim transactions that come later in the
 * binlog. Without either, the state stays unknown, since a partial set would claim that everything before the
 * start was never executed.
 */
import type { BinlogPosition } from '../model/index.js';
import type { ServerFlavor } from '../mysql/index.js';
import { GtidSet } from './gtid-set.js';

export interface GtidTracker {
  /** Records the GTID of a group that just ended. */
  observe(gtid: string): void;
  /** The state after every group observed so far, which ended at `position`, or null when not known. */
  stateAt(position: BinlogPosition): string | null;
}

/** MySQL: the executed GTID set read from the server, and the binlog position it is the set at. */
export interface ServerGtidState {
  readonly executed: string;
  readonly from: BinlogPosition;
}

class MariadbGtidTracker implements GtidTracker {
  readonly #lastByDomain = new Map<number, string>();

  constructor(seed: string | null) {
    for (const entry of (seed ?? '').split(',')) {
      const gtid = entry.trim();
      if (gtid.length > 0) this.observe(gtid);
    }
  }

  observe(gtid: string): void {
    const match = /^(\d+)-\d+-\d+$/.exec(gtid);
    if (match?.[1] === undefined) throw new RangeError(`not a MariaDB GTID: ${JSON.stringify(gtid)}`);
    this.#lastByDomain.set(Number(match[1]), gtid);
  }

  stateAt(): string | null {
    if (this.#lastByDomain.size === 0) return null;
    return [...this.#lastByDomain.entries()]
      .sort(([firstDomain], [secondDomain]) => firstDomain - secondDomain)
      .map(([, gtid]) => gtid)
      .join(',');
  }
}

class MysqlGtidTracker implements GtidTracker {
  #executed: GtidSet | null;
  /** The server's set and where it holds, until the stream reaches that position. */
  #pending: { readonly executed: GtidSet; readonly from: BinlogPosition } | null;

  constructor(seed: string | null, serverState: ServerGtidState | null) {
    this.#executed = seed === null ? null : GtidSet.parse(seed.replace(/\s/g, ''));
    this.#pending =
      this.#executed !== null || serverState === null
        ? null
        : { executed: GtidSet.parse(serverState.executed.replace(/\s/g, '')), from: serverState.from };
  }

  observe(gtid: string): void {
    this.#executed?.add(gtid);
    this.#pending?.executed.add(gtid);
  }

  stateAt(position: BinlogPosition): string | null {
    if (this.#pending !== null && position.compare(this.#pending.from) >= 0) {
      this.#executed = this.#pending.executed;
      this.#pending = null;
    }
    return this.#executed === null ? null : this.#executed.toString();
  }
}

export function createGtidTracker(
  flavor: ServerFlavor,
  seed: string | null,
  serverState: ServerGtidState | null = null,
): GtidTracker {
  return flavor === 'mariadb' ? new MariadbGtidTracker(seed) : new MysqlGtidTracker(seed, serverState);
}
