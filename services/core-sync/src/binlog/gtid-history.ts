/**
 * What a recorded GTID state says was executed before it, on either server:
 * - Oracle MySQL: a GTID set (`uuid:1-5,uuid2:1-3`): exactly the transactions in it;
 * - MariaDB: the last GTID per replication domain (`domain-server-sequence,…`): every transaction of a domain up to
 *   that sequence number (a domain's sequence numbers grow in binlog order).
 * Used to follow a source across servers (after a failover), where binlog positions cannot be compared.
 */
import { GtidSet } from './gtid-set.js';

const mariadbGtid = /^(\d+)-(\d+)-(\d+)$/;

export class GtidHistory {
  readonly #mysql: GtidSet | undefined;
  /** MariaDB: domain → the last sequence number executed in it, and that GTID. */
  readonly #mariadb: Map<number, LastInDomain> | undefined;

  private constructor(mysql: GtidSet | undefined, mariadb: Map<number, LastInDomain> | undefined) {
    this.#mysql = mysql;
    this.#mariadb = mariadb;
  }

  /** Reads a state as a checkpoint records it, in the given server's form (an empty text holds nothing). */
  static parse(text: string, flavor: 'mariadb' | 'mysql'): GtidHistory {
    const entries = text
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0);
    if (flavor === 'mariadb') {
      const lastByDomain = new Map<number, LastInDomain>();
      for (const entry of entries) {
        const [domain, sequence] = parseMariadbGtid(entry);
        const current = lastByDomain.get(domain);
        if (current === undefined || sequence > current.sequence)
          lastByDomain.set(domain, { sequence, gtid: entry });
      }
      return new GtidHistory(undefined, lastByDomain);
    }
    return new GtidHistory(GtidSet.parse(text.replace(/\s/g, '')), undefined);
  }

  /** True when the transaction with this GTID (either server's form) was executed before the state. */
  contains(gtid: string): boolean {
    if (this.#mariadb !== undefined) {
      if (!mariadbGtid.test(gtid)) return false;
      const [domain, sequence] = parseMariadbGtid(gtid);
      const last = this.#mariadb.get(domain);
      return last !== undefined && sequence <= last.sequence;
    }
    if (mariadbGtid.test(gtid)) return false;
    return this.#mysql?.contains(gtid) ?? false;
  }

  /** An empty state of the given server's form. */
  static empty(flavor: 'mariadb' | 'mysql'): GtidHistory {
    return flavor === 'mariadb'
      ? new GtidHistory(undefined, new Map())
      : new GtidHistory(new GtidSet(), undefined);
  }

  /** Adds a transaction executed after the state (either server's form, as its GTID event names it). */
  add(gtid: string): void {
    if (this.#mariadb !== undefined) {
      const [domain, sequence] = parseMariadbGtid(gtid);
      this.#mariadb.set(domain, { sequence, gtid });
      return;
    }
    this.#mysql?.add(gtid);
  }

  /**
   * Where transactions come from: MySQL source ids (`uuid`, `uuid:tag`), MariaDB replication domains. A GTID of a
   * source a state does not know at all was never executed on the server the state was recorded on.
   */
  sources(): Set<string> {
    if (this.#mariadb !== undefined) return new Set([...this.#mariadb.keys()].map(String));
    return this.#mysql?.sourceIds() ?? new Set();
  }

  /** The source of one GTID, in the terms of `sources()`. */
  static sourceOf(gtid: string): string {
    const mariadb = mariadbGtid.exec(gtid);
    return mariadb?.[1] === undefined ? GtidSet.sourceIdOf(gtid) : mariadb[1];
  }

  /** The part of the state from the given sources. */
  restrictedTo(sources: ReadonlySet<string>): GtidHistory {
    if (this.#mariadb !== undefined) {
      return new GtidHistory(
        undefined,
        new Map([...this.#mariadb].filter(([domain]) => sources.has(String(domain)))),
      );
    }
    return new GtidHistory(this.#mysql?.restrictedTo(sources) ?? new GtidSet(), undefined);
  }

  /** As the server prints it (`@@gtid_executed`, `@@gtid_binlog_pos`). */
  toString(): string {
    if (this.#mariadb !== undefined) {
      return [...this.#mariadb.entries()]
        .sort(([left], [right]) => left - right)
        .map(([, last]) => last.gtid)
        .join(',');
    }
    return this.#mysql?.toString() ?? '';
  }

  /** True when both states hold the same transactions. */
  equals(other: GtidHistory): boolean {
    return this.includes(other) && other.includes(this);
  }

  /** True when every transaction executed before `other` was executed before this state. */
  includes(other: GtidHistory): boolean {
    if (this.#mariadb !== undefined && other.#mariadb !== undefined) {
      for (const [domain, { sequence, gtid }] of other.#mariadb) {
        const last = this.#mariadb.get(domain);
        if (last === undefined || last.sequence < sequence) return false;
        // The same sequence number from another server: two histories of the domain, not one.
        if (last.sequence === sequence && last.gtid !== gtid) return false;
      }
      return true;
    }
    if (this.#mysql !== undefined && other.#mysql !== undefined) return this.#mysql.includes(other.#mysql);
    return false;
  }
}

function parseMariadbGtid(gtid: string): [domain: number, sequence: bigint] {
  const match = mariadbGtid.exec(gtid);
  if (match?.[1] === undefined || match[3] === undefined) {
    throw new RangeError(`not a MariaDB GTID: ${JSON.stringify(gtid)}`);
  }
  return [Number(match[1]), BigInt(match[3])];
}

interface LastInDomain {
  readonly sequence: bigint;
  readonly gtid: string;
}
