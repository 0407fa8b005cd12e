/**
 * MariaDB's JSON is a LONGTEXT with CHECK (JSON_VALID(column)), and its SHOW CREATE TABLE says so. A missing table
 * created on Oracle MySQL from that text would hold a LONGTEXT there too: such columns are created as MySQL's JSON,
 * the type the table was declared with (column-types.ts takes the two for the same type).
 */
import type { TableSchema } from '../model/index.js';
import { quoteIdentifier } from '../mysql/index.js';

/** `statement` (a MariaDB SHOW CREATE TABLE) with its JSON columns written as MySQL's JSON. */
export function withMysqlJsonColumns(statement: string, source: TableSchema): string {
  let rewritten = statement;
  for (const column of source.columns) {
    if (column.jsonChecked !== true) continue;
    const name = quoteIdentifier(column.name);
    const start = rewritten.indexOf(`\n  ${name} longtext`);
    if (start === -1) continue;
    const end = rewritten.indexOf('\n', start + 1);
    const line = rewritten
      .slice(start, end === -1 ? rewritten.length : end)
      .replace(/ longtext( CHARACTER SET \w+)?( COLLATE \w+)?/, ' json')
      .replace(` CHECK (json_valid(${name}))`, '');
    rewritten = rewritten.slice(0, start) + line + (end === -1 ? '' : rewritten.slice(end));
  }
  return rewritten;
}
