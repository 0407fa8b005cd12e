/** The statements an upsert is written with (batch-writer.ts), shared with the rows written one at a time. */
import type { TableSchema } from '../model/index.js';
import { columnList, qualifiedName, quoteIdentifier } from '../mysql/index.js';

/**
 * `INSERT … VALUES … ON DUPLICATE KEY UPDATE …` (a plain INSERT with `insertOnly`) of `rowCount` rows of
 * `columns`; each row's values are `valueExpressions` (default: one placeholder per column).
 */
export function upsertSql(
  database: string,
  schema: TableSchema,
  columns: readonly string[],
  rowCount: number,
  insertOnly: boolean,
  valueExpressions: readonly string[] = columns.map(() => '?'),
): string {
  const rowValues = `(${valueExpressions.join(', ')})`;
  return (
    `INSERT INTO ${qualifiedName(database, schema.name)} (${columnList(columns)}) VALUES ` +
    `${Array.from({ length: rowCount }, () => rowValues).join(', ')}` +
    (insertOnly ? '' : ` ON DUPLICATE KEY UPDATE ${upsertAssignments(schema, columns).join(', ')}`)
  );
}

/**
 * The ON DUPLICATE KEY UPDATE list. The first assignment guards the primary key: the update only goes ahead when
 * the duplicate is this row's primary key (compared under its collation); otherwise it sets the key to NULL,
 * which strict mode refuses (ER_BAD_NULL_ERROR), so a duplicate on another unique key never rewrites that row.
 */
export function upsertAssignments(schema: TableSchema, columns: readonly string[]): string[] {
  const written = new Set(columns);
  const guardColumn = schema.primaryKey.find((column) => written.has(column));
  const sameKey = schema.primaryKey
    .filter((column) => written.has(column))
    .map((column) => `${quoteIdentifier(column)} <=> VALUES(${quoteIdentifier(column)})`)
    .join(' AND ');
  const assignments: string[] = [];
  if (guardColumn !== undefined) {
    const quoted = quoteIdentifier(guardColumn);
    assignments.push(`${quoted} = IF(${sameKey}, VALUES(${quoted}), NULL)`);
  }
  for (const column of columns) {
    if (column === guardColumn) continue;
    assignments.push(`${quoteIdentifier(column)} = VALUES(${quoteIdentifier(column)})`);
  }
  return assignments;
}
