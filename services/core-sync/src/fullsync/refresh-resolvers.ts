/**
 * How a full-sync refresh becomes writes when its batch is applied (apply-engine.ts `refresh()`): the source's
 * current rows for the refreshed keys are read at that moment, so the refresh is ordered with the stream.
 */
import { primaryKeyText, type Row, type TableSchema } from '../model/index.js';
import { type RefreshResolver } from '../apply/index.js';
import { type WriteOperation } from '../target/index.js';
import { sameRowContent } from '../conflict/index.js';
import {
  asHeldByMysqlJson,
  mysqlJsonColumns,
  selectRowsByKeys,
  type Pool,
  type PoolConnection,
} from '../mysql/index.js';

export interface RefreshSource {
  readonly sourcePool: Pool;
  readonly sourceDatabase: string;
  readonly targetDatabase: string;
}

/** Generated columns are computed by each server from the others: never compared, never written. */
export function generatedColumns(schema: TableSchema): Set<string> {
  return new Set(schema.columns.filter((column) => column.generated).map((column) => column.name));
}

async function readSourceRows(
  options: RefreshSource,
  schema: TableSchema,
  keyRows: readonly Row[],
): Promise<Map<string, Row>> {
  const rows = await selectRowsByKeys(options.sourcePool, options.sourceDatabase, schema, keyRows);
  return new Map(rows.map((row) => [primaryKeyText(row, schema.primaryKey), row]));
}

/**
 * One-way: the target must equal the source. Reads the target's rows in the batch's transaction (locked), and
 * returns an upsert for a row missing or different there and a delete for a row the source no longer has.
 */
export function oneWayRefreshResolver(options: RefreshSource): RefreshResolver {
  return {
    async resolve(
      connection: PoolConnection,
      schema: TableSchema,
      refreshes: readonly WriteOperation[],
    ): Promise<WriteOperation[]> {
      const keyRows = refreshes.map((refresh) => refresh.row);
      const sourceRows = await readSourceRows(options, schema, keyRows);
      const targetRows = new Map(
        (
          await selectRowsByKeys(connection, options.targetDatabase, schema, keyRows, { forUpdate: true })
        ).map((row) => [primaryKeyText(row, schema.primaryKey), row]),
      );
      const excluded = generatedColumns(schema);
      const operations: WriteOperation[] = [];
      for (const refresh of refreshes) {
        const sourceRow = sourceRows.get(refresh.keyText) ?? null;
        const targetRow = targetRows.get(refresh.keyText) ?? null;
        // A target's MySQL JSON holds a MariaDB source's document in its own print (json-held-text.ts).
        const jsonColumns = mysqlJsonColumns(schema);
        if (sameRowContent(asHeldByMysqlJson(sourceRow, jsonColumns), targetRow, excluded)) continue;
        operations.push(
          sourceRow === null
            ? {
                kind: 'delete',
                table: schema.name,
                keyText: refresh.keyText,
                row: refresh.row,
                before: targetRow,
              }
            : {
                kind: 'upsert',
                table: schema.name,
                keyText: refresh.keyText,
                row: sourceRow,
                before: targetRow,
              },
        );
      }
      return operations;
    },
  };
}

/**
 * Bidirectional: the source's current row goes to the target as an insert (no before image), so the conflict
 * check compares it with the target's row and the table's strategy decides between the two versions. A row the
 * source does not have is left alone (the other direction's refresh copies it back), unless the refresh carries
 * the row as the source deleted it: then that delete is replayed, and the conflict check deletes the target's row
 * only while it is still the row deleted (one-sided-rows.ts).
 */
export function bidirectionalRefreshResolver(options: RefreshSource): RefreshResolver {
  return {
    async resolve(
      _connection: PoolConnection,
      schema: TableSchema,
      refreshes: readonly WriteOperation[],
    ): Promise<WriteOperation[]> {
      const sourceRows = await readSourceRows(
        options,
        schema,
        refreshes.map((refresh) => refresh.row),
      );
      const operations: WriteOperation[] = [];
      for (const refresh of refreshes) {
        const sourceRow = sourceRows.get(refresh.keyText);
        const table = schema.name;
        const keyText = refresh.keyText;
        if (sourceRow !== undefined) {
          operations.push({ kind: 'upsert', table, keyText, row: sourceRow, before: null });
        } else if (refresh.before !== null) {
          operations.push({ kind: 'delete', table, keyText, row: refresh.before, before: refresh.before });
        }
      }
      return operations;
    },
  };
}
