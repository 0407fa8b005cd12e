/**
 * A place in a server's binlog: the file and byte offset of an event boundary, and, where the server has one,
 * the GTID state after it (MariaDB `domain-server-seq[,…]`, MySQL GTID set). Positions of one server compare by
 * file sequence number, then offset. Serialises to `binlog.000003:1234` (with `@<gtid>` appended when known).
 */
export class BinlogPosition {
  readonly file: string;
  readonly offset: number;
  readonly gtid: string | null;
  /** The numeric suffix of the file name (`binlog.000012` → 12); files of one server sort by it. */
  readonly fileSequence: number;

  constructor(file: string, offset: number, gtid: string | null = null) {
    if (file.length === 0) throw new RangeError('a binlog position needs a file name');
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new RangeError(`a binlog offset must be a non-negative integer, got ${offset}`);
    }
    this.file = file;
    this.offset = offset;
    this.gtid = gtid === '' ? null : gtid;
    // Computed once: positions are compared for every queued change.
    const match = /\.(\d+)$/.exec(file);
    this.fileSequence = match?.[1] === undefined ? 0 : Number(match[1]);
  }

  /** Negative when this position is before `other`, zero when equal, positive when after. */
  compare(other: BinlogPosition): number {
    const fileOrder = this.fileSequence - other.fileSequence;
    if (fileOrder !== 0) return fileOrder;
    if (this.file !== other.file) return this.file < other.file ? -1 : 1;
    return this.offset - other.offset;
  }

  isAfter(other: BinlogPosition): boolean {
    return this.compare(other) > 0;
  }

  isAtOrBefore(other: BinlogPosition): boolean {
    return this.compare(other) <= 0;
  }

  equals(other: BinlogPosition): boolean {
    return this.compare(other) === 0 && this.gtid === other.gtid;
  }

  withGtid(gtid: string | null): BinlogPosition {
    return new BinlogPosition(this.file, this.offset, gtid);
  }

  toString(): string {
    const base = `${this.file}:${this.offset}`;
    return this.gtid === null ? base : `${base}@${this.gtid}`;
  }

  toJSON(): { file: string; offset: number; gtid: string | null } {
    return { file: this.file, offset: this.offset, gtid: this.gtid };
  }

  /** Parses what `toString()` wrote. */
  static parse(text: string): BinlogPosition {
    const gtidSeparator = text.indexOf('@');
    const location = gtidSeparator === -1 ? text : text.slice(0, gtidSeparator);
    const gtid = gtidSeparator === -1 ? null : text.slice(gtidSeparator + 1);
    const offsetSeparator = location.lastIndexOf(':');
    if (offsetSeparator <= 0) throw new RangeError(`not a binlog position: ${JSON.stringify(text)}`);
    const offsetText = location.slice(offsetSeparator + 1);
    if (!/^\d+$/.test(offsetText)) throw new RangeError(`not a binlog position: ${JSON.stringify(text)}`);
    return new BinlogPosition(location.slice(0, offsetSeparator), Number(offsetText), gtid);
  }

  static earliest(positions: Iterable<BinlogPosition>): BinlogPosition | undefined {
    let earliestPosition: BinlogPosition | undefined;
    for (const position of positions) {
      if (earliestPosition === undefined || position.compare(earliestPosition) < 0)
        earliestPosition = position;
    }
    return earliestPosition;
  }

  static latest(positions: Iterable<BinlogPosition>): BinlogPosition | undefined {
    let latestPosition: BinlogPosition | undefined;
    for (const position of positions) {
      if (latestPosition === undefined || position.compare(latestPosition) > 0) latestPosition = position;
    }
    return latestPosition;
  }
}
