/**
 * A MySQL GTID set (`uuid:1-5:7,uuid2:1-3`, tags as `uuid:tag:1-5`): what `@@gtid_executed` prints, kept as
 * sorted, merged intervals per source id (and tag), printed the way the server prints it.
 */
type Interval = [first: bigint, last: bigint];

export class GtidSet {
  readonly #intervals = new Map<string, Interval[]>();

  static parse(text: string): GtidSet {
    const set = new GtidSet();
    for (const entry of text
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0)) {
      const parts = entry.split(':');
      const source = (parts.shift() ?? '').toLowerCase();
      let tag = '';
      for (const part of parts) {
        if (/^\d+(-\d+)?$/.test(part)) {
          const [first, last] = part.split('-');
          set.#addInterval(
            tag === '' ? source : `${source}:${tag}`,
            BigInt(first ?? '0'),
            BigInt(last ?? first ?? '0'),
          );
        } else {
          tag = part.toLowerCase();
        }
      }
    }
    return set;
  }

  /** Adds one GTID (`uuid:number` or `uuid:tag:number`). */
  add(gtid: string): void {
    const at = gtid.lastIndexOf(':');
    if (at <= 0 || !/^\d+$/.test(gtid.slice(at + 1)))
      throw new RangeError(`not a MySQL GTID: ${JSON.stringify(gtid)}`);
    const number = BigInt(gtid.slice(at + 1));
    this.#addInterval(gtid.slice(0, at).toLowerCase(), number, number);
  }

  /** True when the set holds one GTID (`uuid:number` or `uuid:tag:number`). */
  contains(gtid: string): boolean {
    const at = gtid.lastIndexOf(':');
    if (at <= 0 || !/^\d+$/.test(gtid.slice(at + 1)))
      throw new RangeError(`not a MySQL GTID: ${JSON.stringify(gtid)}`);
    return this.#covers(
      gtid.slice(0, at).toLowerCase(),
      BigInt(gtid.slice(at + 1)),
      BigInt(gtid.slice(at + 1)),
    );
  }

  /** The source ids the set holds GTIDs of (`uuid`, or `uuid:tag` for tagged ones). */
  sourceIds(): Set<string> {
    return new Set(this.#intervals.keys());
  }

  /** The part of the set from the given source ids. */
  restrictedTo(sourceIds: ReadonlySet<string>): GtidSet {
    const restricted = new GtidSet();
    for (const [source, intervals] of this.#intervals) {
      if (sourceIds.has(source))
        restricted.#intervals.set(
          source,
          intervals.map(([first, last]) => [first, last]),
        );
    }
    return restricted;
  }

  /** The source id of one GTID (`uuid` or `uuid:tag`). */
  static sourceIdOf(gtid: string): string {
    return gtid.slice(0, Math.max(0, gtid.lastIndexOf(':'))).toLowerCase();
  }

  /** True when every GTID of `other` is in this set. */
  includes(other: GtidSet): boolean {
    for (const [source, intervals] of other.#intervals) {
      for (const [first, last] of intervals) if (!this.#covers(source, first, last)) return false;
    }
    return true;
  }

  #covers(source: string, first: bigint, last: bigint): boolean {
    // Intervals are merged: a run of GTIDs is covered by one interval or not at all.
    return (this.#intervals.get(source) ?? []).some(([from, to]) => from <= first && last <= to);
  }

  #addInterval(source: string, first: bigint, last: bigint): void {
    const intervals = this.#intervals.get(source) ?? [];
    intervals.push([first, last]);
    intervals.sort((left, right) => (left[0] < right[0] ? -1 : left[0] > right[0] ? 1 : 0));
    const merged: Interval[] = [];
    for (const interval of intervals) {
      const previous = merged[merged.length - 1];
      if (previous !== undefined && interval[0] <= previous[1] + 1n) {
        if (interval[1] > previous[1]) previous[1] = interval[1];
      } else {
        merged.push([interval[0], interval[1]]);
      }
    }
    this.#intervals.set(source, merged);
  }

  /** As the server prints it: per source UUID, its untagged intervals, then each tag's (`uuid:1-5:tag:1-3`). */
  toString(): string {
    const byUuid = new Map<string, string[]>();
    for (const source of [...this.#intervals.keys()].sort()) {
      const [uuid = '', tag] = source.split(':');
      const ranges = (this.#intervals.get(source) ?? []).map(([first, last]) =>
        first === last ? first.toString() : `${first.toString()}-${last.toString()}`,
      );
      const parts = byUuid.get(uuid) ?? [];
      if (tag === undefined) parts.unshift(ranges.join(':'));
      else parts.push(`${tag}:${ranges.join(':')}`);
      byUuid.set(uuid, parts);
    }
    return [...byUuid.entries()].map(([uuid, parts]) => `${uuid}:${parts.join(':')}`).join(',');
  }
}
