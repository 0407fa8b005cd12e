import { SyncError, driverErrorCode, driverErrorOf } from '../errors/index.js';
import type { ColumnValue, Row, TableSchema } from '../model/index.js';
import {
  columnBinders,
  mysqlJsonColumns,
  columnList,
  executePrepared,
  maxAllowedPacket,
  qualifiedName,
  quoteIdentifier,
  type ParameterBinder,
  type PoolConnection,
} from '../mysql/index.js';
import {
  executeRowWithInvalidEnumValues,
  holdsInvalidEnumValue,
  invalidEnumColumns,
} from './invalid-enum-values.js';
import { holdsJsonDecimals, rowValueExpressions } from './json-decimal-writes.js';
import { rowForPause } from './refusals.js';
import { upsertSql } from './upsert-sql.js';

/** A row change reduced to what the target needs: the row's final state (upsert) or its absence (delete). */
export interface WriteOperation {
  /** `refresh` (full sync) is resolved into an upsert or a delete before anything is written. */
  readonly kind: 'upsert' | 'delete' | 'refresh';
  readonly table: string;
  readonly keyText: string;
  /** The after image for an upsert, the before image (only its key is used) for a delete. */
  readonly row: Row;
  /** The row before the change (null for an insert or a copied row): conflict detection compares it. */
  readonly before: Row | null;
  /**
   * Set on the upsert half of an update that changed the primary key: the `keyText` of the row's old key, whose
   * delete comes just before it. Written in order, the two are one UPDATE that moves the row (row-move.ts).
   */
  readonly movedFrom?: string;
  /**
   * Write an upsert as a plain INSERT: conflict detection found no row with this key, and a row inserted there
   * since must fail the batch (duplicate key) so the retry meets it, rather than be overwritten unseen.
   */
  readonly insertOnly?: boolean;
}

/** Thrown when a statement for one table fails, so the caller knows which table the target refused. */
export class TableWriteError extends Error {
  readonly table: string;
  constructor(table: string, cause: unknown) {
    super(`failed to write to ${table}`, { cause });
    this.name = 'TableWriteError';
    this.table = table;
  }
}

/** MySQL's limit is 65,535 placeholders per prepared statement; stay below it. */
const maxPlaceholdersPerStatement = 60_000;

/** Room in a packet for the statement's own fields (command, statement id, flags, null bitmap). */
const statementOverheadBytes = 1_024;

/**
 * Thrown instead of the server's error when an upsert met another row through a UNIQUE key other than the
 * primary key: `INSERT … ON DUPLICATE KEY UPDATE` would have rewritten that other row into this one. The upsert's
 * update refuses it (its primary-key assignment becomes NULL, which strict mode refuses), so the table pauses
 * with this message rather than lose a row.
 */
export class UniqueKeyCollisionError extends Error {
  constructor(table: string, cause: unknown) {
    super(
      `the target holds another row of ${table} with the same value in a UNIQUE key (not the primary key); writing this row would have overwritten it`,
      { cause },
    );
    this.name = 'UniqueKeyCollisionError';
  }
}

/**
 * Writes operations as multi-row prepared statements inside the caller's transaction, in the order given except
 * that deletes of a call come first (callers pass one row's last state each, or a run of one kind in source
 * order). Upserts are `INSERT … ON DUPLICATE KEY UPDATE` guarded on the primary key: a duplicate on any other
 * unique key fails (UniqueKeyCollisionError) instead of rewriting the row holding it. Statement sizes are rounded to powers of two so each connection
 * prepares a bounded set of statements, and a statement's values stay within the connection's
 * max_allowed_packet (large rows go in smaller statements; a single row too large is a ROW_TOO_LARGE error,
 * raised before anything is sent: the server would drop the connection, which looks like a network fault).
 */
export class BatchWriter {
  readonly #database: string;
  readonly #maxRowsPerStatement: number;
  readonly #sqlCache = new Map<string, string>();

  constructor(database: string, maxRowsPerStatement: number) {
    this.#database = database;
    this.#maxRowsPerStatement = Math.max(1, maxRowsPerStatement);
  }

  /** Keeps each row's last operation, in the order of those last operations, grouped by table. */
  static reduce(operations: readonly WriteOperation[]): Map<string, WriteOperation[]> {
    const byTable = new Map<string, Map<string, WriteOperation>>();
    for (const operation of operations) {
      let byKey = byTable.get(operation.table);
      if (byKey === undefined) {
        byKey = new Map();
        byTable.set(operation.table, byKey);
      }
      byKey.delete(operation.keyText);
      byKey.set(operation.keyText, operation);
    }
    const reduced = new Map<string, WriteOperation[]>();
    for (const [table, byKey] of byTable) reduced.set(table, [...byKey.values()]);
    return reduced;
  }

  /** Writes the operations of one table; a failure is a TableWriteError naming it. */
  async writeTable(
    connection: PoolConnection,
    schema: TableSchema,
    operations: readonly WriteOperation[],
  ): Promise<void> {
    if (operations.some((operation) => operation.kind === 'refresh')) {
      throw new Error(`a refresh of ${schema.name} reached the writer unresolved`);
    }
    try {
      const deletes = operations.filter((operation) => operation.kind === 'delete');
      const upserts = operations.filter((operation) => operation.kind === 'upsert');
      const packetBytes = await maxAllowedPacket(connection);
      await this.#deleteRows(connection, schema, deletes, packetBytes);
      await this.#upsertRows(connection, schema, upserts, packetBytes);
    } catch (error) {
      const collision = isGuardRefusal(error, schema)
        ? new UniqueKeyCollisionError(schema.name, error)
        : error;
      throw new TableWriteError(schema.name, collision);
    }
  }

  async #deleteRows(
    connection: PoolConnection,
    schema: TableSchema,
    deletes: readonly WriteOperation[],
    packetBytes: number,
  ): Promise<void> {
    const keyColumns = schema.primaryKey;
    const chunkLimit = Math.min(
      this.#maxRowsPerStatement,
      Math.floor(maxPlaceholdersPerStatement / keyColumns.length),
    );
    const keyRows = deletes.map((operation) => operation.row);
    const binders = columnBinders(schema, keyColumns);
    for (const run of runsWithinPacket(keyRows, keyColumns, packetBytes, schema)) {
      for (const chunk of chunksOfPowerOfTwoSizes(run, chunkLimit)) {
        const values: unknown[] = [];
        for (const row of chunk) {
          keyColumns.forEach((column, index) => values.push(binders[index]?.(row[column] ?? null)));
        }
        await executePrepared(connection, this.#deleteSql(schema, chunk.length), values);
      }
    }
  }

  async #upsertRows(
    connection: PoolConnection,
    schema: TableSchema,
    upserts: readonly WriteOperation[],
    packetBytes: number,
  ): Promise<void> {
    if (upserts.length === 0) return;
    const generated = new Set(
      schema.columns.filter((column) => column.generated).map((column) => column.name),
    );
    // Rows of one table normally share their columns; a DDL in the middle of a batch splits them into groups.
    // A row with the same keys (in the same order) as the one before joins its group without building a signature.
    const groups = new Map<string, UpsertGroup>();
    let currentGroup: UpsertGroup | undefined;
    let currentKeys: readonly string[] = [];
    // Rows holding an ENUM's invalid value '' are written one at a time, after the others (invalid-enum-values.ts).
    const enumColumns = invalidEnumColumns(schema);
    const withInvalidEnums: WriteOperation[] = [];
    // So are rows whose JSON holds DECIMALs MySQL's parser would not keep (json-decimal-writes.ts).
    const jsonColumns = mysqlJsonColumns(schema);
    const withJsonDecimals: WriteOperation[] = [];
    for (const operation of upserts) {
      if (enumColumns.length > 0 && holdsInvalidEnumValue(operation.row, enumColumns)) {
        withInvalidEnums.push(operation);
        continue;
      }
      if (jsonColumns.length > 0 && holdsJsonDecimals(operation.row, jsonColumns)) {
        withJsonDecimals.push(operation);
        continue;
      }
      const insertOnly = operation.insertOnly === true;
      if (
        currentGroup === undefined ||
        currentGroup.insertOnly !== insertOnly ||
        !hasKeysInOrder(operation.row, currentKeys)
      ) {
        currentKeys = Object.keys(operation.row);
        const columns = currentKeys.filter((column) => !generated.has(column));
        const signature = `${insertOnly ? 'i' : 'u'}\u0001${columns.join('\u0001')}`;
        currentGroup = groups.get(signature);
        if (currentGroup === undefined) {
          currentGroup = { columns, rows: [], insertOnly };
          groups.set(signature, currentGroup);
        }
      }
      currentGroup.rows.push(operation.row);
    }
    for (const { columns, rows, insertOnly } of groups.values()) {
      const chunkLimit = Math.min(
        this.#maxRowsPerStatement,
        Math.floor(maxPlaceholdersPerStatement / columns.length),
      );
      const binders = columnBinders(schema, columns);
      for (const run of runsWithinPacket(rows, columns, packetBytes, schema)) {
        for (const chunk of chunksOfPowerOfTwoSizes(run, chunkLimit)) {
          const values: unknown[] = new Array<unknown>(chunk.length * columns.length);
          let valueIndex = 0;
          for (const row of chunk) {
            for (let columnIndex = 0; columnIndex < columns.length; columnIndex += 1) {
              const bind = binders[columnIndex] as ParameterBinder;
              values[valueIndex++] = bind(row[columns[columnIndex] as string] ?? null);
            }
          }
          await executePrepared(
            connection,
            this.#upsertSql(schema, columns, chunk.length, insertOnly),
            values,
          );
        }
      }
    }
    for (const operation of withInvalidEnums) {
      const columns = Object.keys(operation.row).filter((column) => !generated.has(column));
      // Throws ROW_TOO_LARGE, as for any row, when the row alone does not fit in a packet.
      runsWithinPacket([operation.row], columns, packetBytes, schema).next();
      const sql = this.#upsertSql(schema, columns, 1, operation.insertOnly === true);
      await executeRowWithInvalidEnumValues(connection, sql, schema, operation.row, columns, enumColumns);
    }
    for (const operation of withJsonDecimals) {
      const columns = Object.keys(operation.row).filter((column) => !generated.has(column));
      runsWithinPacket([operation.row], columns, packetBytes, schema).next();
      const row = rowValueExpressions(operation.row, columns, columnBinders(schema, columns), jsonColumns);
      const sql = upsertSql(
        this.#database,
        schema,
        columns,
        1,
        operation.insertOnly === true,
        row.expressions,
      );
      // Prepared like the others (the binary protocol keeps what text would not, such as a FLOAT's -0); the
      // statement cache closes the least recently used when these add statements of their own.
      await executePrepared(connection, sql, row.values);
    }
  }

  #deleteSql(schema: TableSchema, rowCount: number): string {
    const cacheKey = `d\u0000${schema.name}\u0000${rowCount}`;
    let sql = this.#sqlCache.get(cacheKey);
    if (sql === undefined) {
      const table = qualifiedName(this.#database, schema.name);
      if (schema.primaryKey.length === 1) {
        const keyColumn = quoteIdentifier(schema.primaryKey[0] ?? '');
        sql = `DELETE FROM ${table} WHERE ${keyColumn} IN (${placeholders(rowCount)})`;
      } else {
        const tuple = `(${placeholders(schema.primaryKey.length)})`;
        sql = `DELETE FROM ${table} WHERE (${columnList(schema.primaryKey)}) IN (${Array.from({ length: rowCount }, () => tuple).join(', ')})`;
      }
      this.#sqlCache.set(cacheKey, sql);
    }
    return sql;
  }

  #upsertSql(schema: TableSchema, columns: readonly string[], rowCount: number, insertOnly: boolean): string {
    const cacheKey = `${insertOnly ? 'i' : 'u'}\u0000${schema.name}\u0000${rowCount}\u0000${columns.join('\u0001')}`;
    let sql = this.#sqlCache.get(cacheKey);
    if (sql === undefined) {
      sql = upsertSql(this.#database, schema, columns, rowCount, insertOnly);
      if (this.#sqlCache.size > 2_000) this.#sqlCache.clear();
      this.#sqlCache.set(cacheKey, sql);
    }
    return sql;
  }
}

/** True when the error is the primary-key guard of an upsert refusing a duplicate on another unique key. */
function isGuardRefusal(error: unknown, schema: TableSchema): boolean {
  if (driverErrorCode(error) !== 'ER_BAD_NULL_ERROR') return false;
  const message = driverErrorOf(error)?.message ?? '';
  return schema.primaryKey.some((column) => message.includes(`'${column}'`));
}

interface UpsertGroup {
  readonly columns: readonly string[];
  readonly rows: Row[];
  readonly insertOnly: boolean;
}

/** True when the row's own keys are exactly `keys`, in that order. */
function hasKeysInOrder(row: Row, keys: readonly string[]): boolean {
  let index = 0;
  for (const key in row) {
    if (key !== keys[index]) return false;
    index += 1;
  }
  return index === keys.length;
}

function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

/** Bytes a value takes in an execute packet (type, length prefix, data); strings may be overestimated. */
function valueBytes(value: ColumnValue | undefined, exact: boolean): number {
  if (value === null || value === undefined) return 2;
  if (typeof value === 'number') return 10;
  if (Buffer.isBuffer(value)) return 11 + value.length;
  // Counting UTF-8 bytes costs a pass over the string: short ones count at the most they can take.
  return 11 + (exact || value.length > 1_024 ? Buffer.byteLength(value) : value.length * 3);
}

function rowBytes(row: Row, columns: readonly string[], exact: boolean): number {
  let bytes = 0;
  for (const column of columns) bytes += valueBytes(row[column], exact);
  return bytes;
}

/**
 * Splits rows into runs whose values fit in one packet of `packetBytes` (normally a single run: rows are small).
 * Throws ROW_TOO_LARGE when one row alone does not fit.
 */
export function* runsWithinPacket(
  rows: readonly Row[],
  columns: readonly string[],
  packetBytes: number,
  schema: TableSchema,
): Generator<readonly Row[]> {
  const budget = packetBytes - statementOverheadBytes;
  let start = 0;
  let runBytes = 0;
  for (let index = 0; index < rows.length; index += 1) {
    const row = rows[index] as Row;
    let bytes = rowBytes(row, columns, false);
    if (bytes > budget) {
      bytes = rowBytes(row, columns, true);
      if (bytes > budget) throw rowTooLarge(schema, row, bytes, packetBytes);
    }
    if (runBytes + bytes > budget && index > start) {
      yield rows.slice(start, index);
      start = index;
      runBytes = 0;
    }
    runBytes += bytes;
  }
  if (start === 0) yield rows;
  else if (start < rows.length) yield rows.slice(start);
}

function rowTooLarge(schema: TableSchema, row: Row, statementBytes: number, packetBytes: number): SyncError {
  const key = schema.primaryKey.map((column) => `${column}=${String(row[column])}`).join(', ');
  return new SyncError(
    'ROW_TOO_LARGE',
    `the row of ${schema.name} with ${key} needs a statement of ${statementBytes + statementOverheadBytes} bytes, more than the target's max_allowed_packet (${packetBytes} bytes)`,
    { details: { table: schema.name, statementBytes, maxAllowedPacket: packetBytes, row: rowForPause(row) } },
  );
}

/**
 * Splits items into chunks of at most `limit`, where every chunk but full-limit ones has a power-of-two size:
 * 37 items with limit 1000 → 32 + 4 + 1. Bounds the distinct statement shapes (and prepared statements).
 */
export function* chunksOfPowerOfTwoSizes<Item>(items: readonly Item[], limit: number): Generator<Item[]> {
  let start = 0;
  while (start < items.length) {
    const remaining = items.length - start;
    let size: number;
    if (remaining >= limit) {
      size = limit;
    } else {
      size = 1;
      while (size * 2 <= remaining) size *= 2;
    }
    yield items.slice(start, start + size);
    start += size;
  }
}
