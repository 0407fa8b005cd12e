import type { ColumnValue, Row, TableSchema } from '../model/index.js';
import {
  columnList,
  executePrepared,
  qualifiedName,
  quoteIdentifier,
  type PoolConnection,
} from '../mysql/index.js';

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

/**
 * Writes operations as multi-row prepared statements inside the caller's transaction: per table, deletes first
 * (a removal cannot collide with anything), then upserts in the order of each row's last change
 * (`INSERT … ON DUPLICATE KEY UPDATE`). Statement sizes are rounded to powers of two so each connection
 * prepares a bounded set of statements.
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
      await this.#deleteRows(connection, schema, deletes);
      await this.#upsertRows(connection, schema, upserts);
    } catch (error) {
      throw new TableWriteError(schema.name, error);
    }
  }

  async #deleteRows(
    connection: PoolConnection,
    schema: TableSchema,
    deletes: readonly WriteOperation[],
  ): Promise<void> {
    const keyColumns = schema.primaryKey;
    const chunkLimit = Math.min(
      this.#maxRowsPerStatement,
      Math.floor(maxPlaceholdersPerStatement / keyColumns.length),
    );
    for (const chunk of chunksOfPowerOfTwoSizes(deletes, chunkLimit)) {
      const values: ColumnValue[] = [];
      for (const operation of chunk)
        for (const column of keyColumns) values.push(operation.row[column] ?? null);
      await executePrepared(connection, this.#deleteSql(schema, chunk.length), values);
    }
  }

  async #upsertRows(
    connection: PoolConnection,
    schema: TableSchema,
    upserts: readonly WriteOperation[],
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
    for (const operation of upserts) {
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
      for (const chunk of chunksOfPowerOfTwoSizes(rows, chunkLimit)) {
        const values: ColumnValue[] = new Array<ColumnValue>(chunk.length * columns.length);
        let valueIndex = 0;
        for (const row of chunk) for (const column of columns) values[valueIndex++] = row[column] ?? null;
        await executePrepared(connection, this.#upsertSql(schema, columns, chunk.length, insertOnly), values);
      }
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
      const rowPlaceholders = `(${placeholders(columns.length)})`;
      const assignments = columns.map(
        (column) => `${quoteIdentifier(column)} = VALUES(${quoteIdentifier(column)})`,
      );
      sql =
        `INSERT INTO ${qualifiedName(this.#database, schema.name)} (${columnList(columns)}) VALUES ` +
        `${Array.from({ length: rowCount }, () => rowPlaceholders).join(', ')}` +
        (insertOnly ? '' : ` ON DUPLICATE KEY UPDATE ${assignments.join(', ')}`);
      if (this.#sqlCache.size > 2_000) this.#sqlCache.clear();
      this.#sqlCache.set(cacheKey, sql);
    }
    return sql;
  }
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
