/**
 * An update that changed a row's primary key, written as the source wrote it: one `UPDATE … WHERE <old key>`, not
 * a delete at the old key and an insert at the new one. The difference shows on the target's foreign keys: MySQL
 * and MariaDB do not log cascaded changes, so the target must cascade itself, and a delete runs the children's
 * ON DELETE action (CASCADE removes them, SET NULL detaches them, RESTRICT refuses) where the source ran their
 * ON UPDATE action (CASCADE made them follow the new key). Triggers likewise see an update.
 *
 * The engine pairs the two halves of a move (apply/row-move.ts) and writes them here.
 */
import type { Row, TableSchema } from '../model/index.js';
import {
  columnBinders,
  mysqlJsonColumns,
  executePrepared,
  qualifiedName,
  quoteIdentifier,
  type PoolConnection,
} from '../mysql/index.js';
import type { WriteOperation } from './batch-writer.js';
import { rowValueExpressions } from './json-decimal-writes.js';
import {
  executeRowWithInvalidEnumValues,
  holdsInvalidEnumValue,
  invalidEnumColumns,
} from './invalid-enum-values.js';

/** True when `arrival` is the upsert half of the key change whose delete half is `removal`. */
export function isMove(removal: WriteOperation | undefined, arrival: WriteOperation | undefined): boolean {
  return (
    removal?.kind === 'delete' &&
    arrival?.kind === 'upsert' &&
    arrival.table === removal.table &&
    arrival.movedFrom === removal.keyText
  );
}

/**
 * `UPDATE <table> SET <every column of the new row> WHERE <the old key>`. Resolves to false when the target held
 * no row at the old key (nothing changed); a row the target already holds at the new key, or at one of its
 * unique values, fails the statement (ER_DUP_ENTRY), which the server rolls back alone.
 */
export async function moveRow(
  connection: PoolConnection,
  database: string,
  schema: TableSchema,
  from: Row,
  to: Row,
): Promise<boolean> {
  const generated = new Set(schema.columns.filter((column) => column.generated).map((column) => column.name));
  const columns = Object.keys(to).filter((column) => !generated.has(column));
  const oldKey = schema.primaryKey.map((column) => `${quoteIdentifier(column)} = ?`).join(' AND ');
  const columnBindings = columnBinders(schema, columns);
  const keyBindings = columnBinders(schema, schema.primaryKey);
  // JSON documents with DECIMALs MySQL's parser would not keep are set as expressions (json-decimal-writes.ts).
  const row = rowValueExpressions(to, columns, columnBindings, mysqlJsonColumns(schema));
  const assignments = columns
    .map((column, index) => `${quoteIdentifier(column)} = ${row.expressions[index] ?? '?'}`)
    .join(', ');
  const values = [
    ...row.values,
    ...schema.primaryKey.map((column, index) => keyBindings[index]?.(from[column] ?? null)),
  ];
  const sql = `UPDATE ${qualifiedName(database, schema.name)} SET ${assignments} WHERE ${oldKey}`;
  const enumColumns = invalidEnumColumns(schema);
  if (enumColumns.length > 0 && holdsInvalidEnumValue(to, enumColumns)) {
    const oldKeyValues = values.slice(row.values.length);
    const plainAssignments = columns.map((column) => `${quoteIdentifier(column)} = ?`).join(', ');
    return (
      (await executeRowWithInvalidEnumValues(
        connection,
        `UPDATE ${qualifiedName(database, schema.name)} SET ${plainAssignments} WHERE ${oldKey}`,
        schema,
        to,
        columns,
        enumColumns,
        oldKeyValues,
      )) > 0
    );
  }
  return (await executePrepared(connection, sql, values)) > 0;
}
