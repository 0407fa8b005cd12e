/**
 * The GTID state after each committed group, for the `gtid` of commit positions: on MariaDB the last GTID per
 * replication domain (`domain-server-seq[,…]`, what `@@gtid_binlog_pos` and `BINLOG_GTID_POS()` print), on MySQL the
 * executed GTID set. Seeded from the start position; on MySQL without a seed the set is unknown (null), since a
 * partial set would claim that everything before the start was never executed.
 */
import type { ServerFlavor } from '../mysql/index.js';
import { GtidSet } from './gtid-set.js';

export interface GtidTracker {
  /** Records the GTID of a group that just ended. */
  observe(gtid: string): void;
  /** The state after every group observed so far, or null when not known. */
  current(): string | null;
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

  current(): string | null {
    if (this.#lastByDomain.size === 0) return null;
    return [...this.#lastByDomain.entries()]
      .sort(([firstDomain], [secondDomain]) => firstDomain - secondDomain)
      .map(([, gtid]) => gtid)
      .join(',');
  }
}

class MysqlGtidTracker implements GtidTracker {
  readonly #executed: GtidSet | null;

  constructor(seed: string | null) {
    this.#executed = seed === null ? null : GtidSet.parse(seed.replace(/\s/g, ''));
  }

  observe(gtid: string): void {
    this.#executed?.add(gtid);
  }

  current(): string | null {
    return this.#executed === null ? null : this.#executed.toString();
  }
}

export function createGtidTracker(flavor: ServerFlavor, seed: string | null): GtidTracker {
  return flavor === 'mariadb' ? new MariadbGtidTracker(seed) : new MysqlGtidTracker(seed);
}
