/**
 * Binlog events, as the dump connection receives them, turned into the stream events of ../stream-event.ts.
 *
 * The project decodes the binlog itself (it used zongji before): zongji decoded negative TIME values wrongly,
 * turned text in non-UTF-8 character sets into other bytes, DECIMALs inside JSON into strings, and could not read
 * compressed transactions (TRANSACTION_PAYLOAD), partial JSON updates or a row image's column bitmaps. Each of
 * those is decoded here, against the binlog format of MariaDB 10.5+ and MySQL 8.0+/9.x.
 *
 * An event this decoder cannot read is an error naming it, never skipped: the stream stops and reports it.
 */
import { decompress } from 'fzstd';
import { formatXid } from '../xa-statement.js';
import type { StreamEvent } from '../stream-event.js';
import { ByteReader } from './byte-reader.js';
import type { CharsetLookup } from './charsets.js';
import { readRows, readRowsTableId, type RowsEventLayout } from './rows-event.js';
import { readTableMap, type TableMap } from './table-map.js';

export const eventType = {
  query: 2,
  stop: 3,
  rotate: 4,
  intvar: 5,
  rand: 13,
  userVar: 14,
  formatDescription: 15,
  xid: 16,
  tableMap: 19,
  writeRowsV1: 23,
  updateRowsV1: 24,
  deleteRowsV1: 25,
  incident: 26,
  heartbeat: 27,
  ignorable: 28,
  rowsQuery: 29,
  writeRows: 30,
  updateRows: 31,
  deleteRows: 32,
  gtid: 33,
  anonymousGtid: 34,
  previousGtids: 35,
  transactionContext: 36,
  viewChange: 37,
  xaPrepare: 38,
  partialUpdateRows: 39,
  transactionPayload: 40,
  heartbeatV2: 41,
  gtidTagged: 42,
  mariadbAnnotateRows: 160,
  mariadbBinlogCheckpoint: 161,
  mariadbGtid: 162,
  mariadbGtidList: 163,
  mariadbStartEncryption: 164,
} as const;

const rowsLayouts = new Map<number, RowsEventLayout>([
  [eventType.writeRowsV1, { kind: 'insert', version2: false, partialJson: false }],
  [eventType.updateRowsV1, { kind: 'update', version2: false, partialJson: false }],
  [eventType.deleteRowsV1, { kind: 'delete', version2: false, partialJson: false }],
  [eventType.writeRows, { kind: 'insert', version2: true, partialJson: false }],
  [eventType.updateRows, { kind: 'update', version2: true, partialJson: false }],
  [eventType.deleteRows, { kind: 'delete', version2: true, partialJson: false }],
  [eventType.partialUpdateRows, { kind: 'update', version2: true, partialJson: true }],
]);

/** Events that carry nothing the service needs. */
const ignoredEvents = new Set<number>([
  eventType.stop,
  eventType.intvar,
  eventType.rand,
  eventType.userVar,
  eventType.formatDescription,
  eventType.ignorable,
  eventType.rowsQuery,
  eventType.previousGtids,
  eventType.transactionContext,
  eventType.viewChange,
  eventType.mariadbAnnotateRows,
  eventType.mariadbBinlogCheckpoint,
  eventType.mariadbGtidList,
]);

const headerLength = 19;
const tableIdLength = 6;
const mariadbStandaloneFlag = 1;

/** An event this decoder cannot read or must not skip; the binlog source stops and reports it. */
export class UndecodableEventError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UndecodableEventError';
  }
}

export interface DecoderOptions {
  /** The source database: rows events of other databases are not decoded. */
  readonly database: string;
  /** Tables whose rows events are decoded (the synced ones and the marker table). */
  readonly tables: ReadonlySet<string>;
  readonly charsets: CharsetLookup;
}

function uuidText(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * An unsigned integer of MySQL's serialization format (8.4+ tagged GTID events): the count of trailing one bits
 * of the first byte, plus one, is the number of bytes, the value their little-endian number shifted right by it.
 */
function readVariableLength(reader: ByteReader): bigint {
  const first = reader.buffer[reader.offset] ?? 0;
  let byteCount = 1;
  while (byteCount < 9 && (first & (1 << (byteCount - 1))) !== 0) byteCount += 1;
  if (byteCount === 9) {
    reader.skip(1, 'a serialized integer');
    return reader.uint64('a serialized integer');
  }
  const raw = reader.view(byteCount, 'a serialized integer');
  let value = 0n;
  for (let index = byteCount - 1; index >= 0; index -= 1) value = (value << 8n) | BigInt(raw[index] ?? 0);
  return value >> BigInt(byteCount);
}

function readSignedVariableLength(reader: ByteReader): bigint {
  const unsigned = readVariableLength(reader);
  return (unsigned >> 1n) ^ -(unsigned & 1n);
}

/**
 * GTID_TAGGED_LOG_EVENT (MySQL 8.4+): a serialized message (format version, size, last non-ignorable field),
 * then fields by id: 0 flags, 1 the source UUID (16 serialized bytes), 2 the number, 3 the tag, then commit
 * facts this decoder does not need. The GTID is `uuid:tag:number`, as the server prints it.
 */
function readTaggedGtid(body: ByteReader): string {
  const start = body.offset;
  readVariableLength(body);
  const size = Number(readVariableLength(body));
  const end = Math.min(body.end, start + size);
  readVariableLength(body);
  let uuid = '';
  let number = 0n;
  let tag = '';
  while (body.offset < end) {
    const field = Number(readVariableLength(body));
    if (field === 0) readVariableLength(body);
    else if (field === 1)
      uuid = uuidText(Buffer.from(Array.from({ length: 16 }, () => Number(readVariableLength(body)))));
    else if (field === 2) number = readSignedVariableLength(body);
    else if (field === 3) tag = body.view(Number(readVariableLength(body)), 'a GTID tag').toString('utf8');
    else break;
  }
  if (uuid === '') throw new UndecodableEventError('a tagged GTID event has no source UUID');
  return tag === '' ? `${uuid}:${number.toString()}` : `${uuid}:${tag}:${number.toString()}`;
}

/** Decodes events one at a time, keeping the table maps between them. */
export class EventDecoder {
  readonly #options: DecoderOptions;
  readonly #tableMaps = new Map<number, TableMap>();

  constructor(options: DecoderOptions) {
    this.#options = options;
  }

  /**
   * The stream events of one binlog event (`event` without the protocol's leading OK byte and without its
   * checksum). A compressed transaction gives the events it holds.
   */
  decode(event: Buffer): StreamEvent[] {
    const header = new ByteReader(event, 0, headerLength);
    const timestamp = header.uint32('the event timestamp') * 1000;
    const type = header.uint8('the event type');
    const serverId = header.uint32('the server id');
    header.skip(4, 'the event size');
    const nextPosition = header.uint32('the next position');
    const body = new ByteReader(event, headerLength);
    const facts = { timestamp, serverId, nextPosition };
    try {
      return this.#decodeBody(type, body, facts);
    } catch (error) {
      if (error instanceof UndecodableEventError) throw error;
      throw new UndecodableEventError(
        `failed to decode a binlog event of type ${type} ending at ${nextPosition}`,
        {
          cause: error,
        },
      );
    }
  }

  #decodeBody(
    type: number,
    body: ByteReader,
    facts: { timestamp: number; serverId: number; nextPosition: number },
  ): StreamEvent[] {
    const { timestamp, nextPosition } = facts;
    const rowsLayout = rowsLayouts.get(type);
    if (rowsLayout !== undefined) {
      const tableMap = this.#tableMaps.get(readRowsTableId(body, tableIdLength));
      if (tableMap === undefined) return [{ kind: 'skipped', timestamp }];
      const decoded = readRows(body, rowsLayout, tableMap, this.#options.charsets);
      return [
        {
          kind: 'rows',
          database: tableMap.database,
          table: tableMap.table,
          changes: decoded.changes,
          timestamp,
          ...(decoded.missingColumns.length > 0 ? { missingColumns: decoded.missingColumns } : {}),
        },
      ];
    }
    switch (type) {
      case eventType.tableMap: {
        const tableMap = readTableMap(body, tableIdLength);
        if (tableMap.database === this.#options.database && this.#options.tables.has(tableMap.table)) {
          if (!tableMap.hasNames) {
            throw new UndecodableEventError(
              `the table map of ${tableMap.database}.${tableMap.table} has no column names: binlog_row_metadata must be FULL`,
            );
          }
          this.#tableMaps.set(tableMap.tableId, tableMap);
          return [];
        }
        this.#tableMaps.delete(tableMap.tableId);
        return [{ kind: 'skipped', timestamp }];
      }
      case eventType.query:
        return [this.#query(body, timestamp, nextPosition)];
      case eventType.xid:
        return [{ kind: 'commit', nextPosition, timestamp }];
      case eventType.rotate: {
        body.skip(8, 'the rotate position');
        return [{ kind: 'rotate', file: body.restAsString() }];
      }
      case eventType.heartbeat:
      case eventType.heartbeatV2:
        return [{ kind: 'heartbeat' }];
      case eventType.mariadbGtid: {
        const sequence = body.uint64('the GTID sequence');
        const domain = body.uint32('the GTID domain');
        const flags = body.uint8('the GTID flags');
        const gtid = `${domain}-${facts.serverId}-${sequence.toString()}`;
        return [{ kind: 'group-start', gtid, standalone: (flags & mariadbStandaloneFlag) !== 0, timestamp }];
      }
      case eventType.gtid: {
        body.skip(1, 'the GTID flags');
        const uuid = uuidText(body.view(16, 'the GTID source id'));
        const sequence = body.int64('the GTID number');
        return [{ kind: 'group-start', gtid: `${uuid}:${sequence.toString()}`, standalone: null, timestamp }];
      }
      case eventType.gtidTagged:
        return [{ kind: 'group-start', gtid: readTaggedGtid(body), standalone: null, timestamp }];
      case eventType.anonymousGtid:
        return [{ kind: 'group-start', gtid: null, standalone: null, timestamp }];
      case eventType.xaPrepare: {
        const onePhase = body.uint8('the one-phase flag') !== 0;
        const formatId = body.uint32('the XA format id');
        const gtridLength = body.uint32('the XA gtrid length');
        const bqualLength = body.uint32('the XA bqual length');
        const gtrid = body.view(gtridLength, 'the XA gtrid');
        const bqual = body.view(bqualLength, 'the XA bqual');
        return [
          { kind: 'xa-prepare', xid: formatXid(formatId, gtrid, bqual), onePhase, nextPosition, timestamp },
        ];
      }
      case eventType.transactionPayload:
        return this.#payload(body, nextPosition);
      case eventType.incident:
        throw new UndecodableEventError(
          'the source logged an INCIDENT event: changes may be missing from its binlog (a replica would stop here too)',
        );
      case eventType.mariadbStartEncryption:
        throw new UndecodableEventError(
          'the source binlog is encrypted, which a replication client cannot read',
        );
      default:
        if (ignoredEvents.has(type)) return [];
        throw new UndecodableEventError(
          `binlog event type ${type} is not supported (MariaDB's log_bin_compress writes compressed events 165-171: turn it off)`,
        );
    }
  }

  #query(body: ByteReader, timestamp: number, nextPosition: number): StreamEvent {
    body.skip(8, 'the thread id and execution time');
    const schemaLength = body.uint8('the schema length');
    body.skip(2, 'the error code');
    const statusLength = body.uint16('the status variables length');
    body.skip(statusLength, 'the status variables');
    const schema = body.fixedString(schemaLength, 'the schema');
    body.skip(1, 'a NUL');
    return { kind: 'query', statement: body.restAsString(), schema, nextPosition, timestamp };
  }

  /** A compressed (or not) transaction: the events inside have no checksums and end where the payload ends. */
  #payload(body: ByteReader, nextPosition: number): StreamEvent[] {
    let compression = 0;
    for (;;) {
      const field = body.packedInteger('a payload header field');
      if (field === 0) break;
      const length = body.packedInteger('a payload header length');
      const value = new ByteReader(body.view(length, 'a payload header value'));
      if (field === 2) compression = value.packedInteger('the compression type');
    }
    const raw = body.view(body.remaining, 'the transaction payload');
    let events: Buffer;
    if (compression === 0) events = Buffer.from(decompress(raw));
    else if (compression === 255) events = raw;
    else throw new UndecodableEventError(`transaction payload compressed with unknown type ${compression}`);
    const decoded: StreamEvent[] = [];
    let offset = 0;
    while (offset < events.length) {
      const size = events.readUInt32LE(offset + 9);
      const inner = events.subarray(offset, offset + size);
      // Inner events carry no positions of their own: they all end where the payload ends.
      const positioned = Buffer.from(inner);
      positioned.writeUInt32LE(nextPosition, 13);
      decoded.push(...this.decode(positioned));
      offset += size;
    }
    return decoded;
  }
}
