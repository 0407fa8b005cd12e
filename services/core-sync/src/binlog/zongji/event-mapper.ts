/**
 * Turns zongji's events into the library-independent stream events of ../stream-event.ts, with row values in the
 * canonical form (../value-normalizer.ts). Column names and types come from the table map zongji keeps, which
 * with `binlog_row_metadata=FULL` is rebuilt from every TABLE_MAP event: rows written after an ALTER decode with
 * the new layout, rows written before it with the old one.
 */
import type { AnyBinlogEvent, BinlogEventByName, BinlogEventName, TableMapEntry } from '@vlasky/zongji';
import type { ChangeKind, RowChange } from '../../model/index.js';
import type { StreamEvent } from '../stream-event.js';
import { createRowNormalizer, type RowNormalizer } from '../value-normalizer.js';
import { formatXid } from '../xa-statement.js';
import { decodeSpatialColumnsAsBytes } from './spatial-bytes.js';

/** Declared decimals of a FLOAT(precision,scale) column, from information_schema (the binlog does not carry them). */
export type FloatScaleLookup = (database: string, table: string, column: string) => number | null;

type RowsEventName = 'writerows' | 'updaterows' | 'deleterows';

const changeKinds: Record<RowsEventName, ChangeKind> = {
  writerows: 'insert',
  updaterows: 'update',
  deleterows: 'delete',
};

function named<Name extends BinlogEventName>(
  event: AnyBinlogEvent,
  name: Name,
): event is BinlogEventByName<Name> {
  return event.getEventName() === name;
}

export class ZongjiEventMapper {
  readonly #floatScale: FloatScaleLookup;
  readonly #normalizers = new WeakMap<TableMapEntry, RowNormalizer>();

  constructor(floatScale: FloatScaleLookup) {
    this.#floatScale = floatScale;
  }

  /** The stream event for a zongji event, or undefined for events the assembler does not need. */
  map(event: AnyBinlogEvent): StreamEvent | undefined {
    if (named(event, 'writerows') || named(event, 'deleterows') || named(event, 'updaterows')) {
      return this.#mapRows(event);
    }
    if (named(event, 'tablemap')) {
      decodeSpatialColumnsAsBytes(event.tableMap[event.tableId]);
      return undefined;
    }
    if (named(event, 'xid')) {
      return { kind: 'commit', nextPosition: event.nextPosition, timestamp: event.timestamp };
    }
    if (named(event, 'xaprepare')) {
      return {
        kind: 'xa-prepare',
        xid: formatXid(event.xidFormatId, event.xidGtrid, event.xidBqual),
        onePhase: event.onePhase,
        nextPosition: event.nextPosition,
        timestamp: event.timestamp,
      };
    }
    if (named(event, 'query')) {
      return {
        kind: 'query',
        statement: event.query,
        schema: event.schema,
        nextPosition: event.nextPosition,
        timestamp: event.timestamp,
      };
    }
    if (named(event, 'mariadbgtid')) {
      return {
        kind: 'group-start',
        gtid: event.gtid,
        standalone: event.standalone,
        timestamp: event.timestamp,
      };
    }
    if (named(event, 'gtid')) {
      return { kind: 'group-start', gtid: event.gtid, standalone: null, timestamp: event.timestamp };
    }
    if (named(event, 'anonymousgtid')) {
      return { kind: 'group-start', gtid: null, standalone: null, timestamp: event.timestamp };
    }
    if (named(event, 'rotate')) return { kind: 'rotate', file: event.binlogName };
    if (named(event, 'heartbeat')) return { kind: 'heartbeat' };
    return undefined;
  }

  #mapRows(
    event: BinlogEventByName<'writerows'> | BinlogEventByName<'deleterows'> | BinlogEventByName<'updaterows'>,
  ): StreamEvent | undefined {
    const tableEntry = event.tableMap[event.tableId];
    if (tableEntry === undefined) return undefined;
    const normalize = this.#normalizerFor(tableEntry);
    const table = tableEntry.tableName;
    const changes: RowChange[] = [];
    if (named(event, 'updaterows')) {
      for (const row of event.rows) {
        changes.push({ kind: 'update', table, before: normalize(row.before), after: normalize(row.after) });
      }
    } else {
      const kind = changeKinds[event.getEventName() as RowsEventName];
      for (const row of event.rows) {
        const image = normalize(row);
        changes.push(
          kind === 'insert'
            ? { kind, table, before: null, after: image }
            : { kind, table, before: image, after: null },
        );
      }
    }
    return {
      kind: 'rows',
      database: tableEntry.parentSchema,
      table,
      changes,
      timestamp: event.timestamp,
    };
  }

  #normalizerFor(tableEntry: TableMapEntry): RowNormalizer {
    let normalizer = this.#normalizers.get(tableEntry);
    if (normalizer === undefined) {
      const columns = (tableEntry.columns ?? []).map((column) => ({
        name: column.name,
        typeCode: column.type,
        floatScale: this.#floatScale(tableEntry.parentSchema, tableEntry.tableName, column.name),
      }));
      normalizer = createRowNormalizer(columns);
      this.#normalizers.set(tableEntry, normalizer);
    }
    return normalizer;
  }
}
