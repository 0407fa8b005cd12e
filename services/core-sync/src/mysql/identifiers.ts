/** Quotes a MySQL identifier (database, table or column name): backticks, with embedded backticks doubled. */
export function quoteIdentifier(identifier: string): string {
  if (identifier.length === 0) throw new RangeError('an identifier cannot be empty');
  if (identifier.includes('\u0000')) throw new RangeError('an identifier cannot contain NUL');
  return `\`${identifier.replaceAll('`', '``')}\``;
}

/** `database`.`table`, both quoted. */
export function qualifiedName(database: string, table: string): string {
  return `${quoteIdentifier(database)}.${quoteIdentifier(table)}`;
}

/** A comma-separated list of quoted column names. */
export function columnList(columns: readonly string[]): string {
  return columns.map((column) => quoteIdentifier(column)).join(', ');
}
