/**
 * Column types compared across servers. MariaDB 10.11 and Oracle MySQL 9.7 print some of the same types
 * differently in information_schema.COLUMNS.COLUMN_TYPE:
 *
 * | type                | MariaDB                       | MySQL                 |
 * | ------------------- | ----------------------------- | --------------------- |
 * | integers            | `int(11)`, `bigint(20) unsigned` | `int`, `bigint unsigned` (8.0.19+ drops display widths) |
 * | YEAR                | `year(4)`                     | `year`                |
 * | GEOMETRYCOLLECTION  | `geometrycollection`          | `geomcollection`      |
 * | JSON                | `longtext` + CHECK (JSON_VALID(column)), utf8mb4_bin | `json` |
 *
 * Every other type the two servers share reads the same on both (checked type by type against both servers:
 * DECIMAL, FLOAT, DOUBLE, BIT, the temporal types with their fractional digits, CHAR/VARCHAR/TEXT, BINARY/BLOB,
 * ENUM, SET and the spatial types). A ZEROFILL column keeps its width on both.
 *
 * JSON is a type of its own on MySQL (stored in a binary form, a document normalised on the way in), and on
 * MariaDB a LONGTEXT that a CHECK keeps to valid documents. So MySQL's `json` matches a LONGTEXT with that check,
 * and not a LONGTEXT without it (that one holds any text, which a JSON column refuses). A LONGTEXT with the check
 * and one without still match each other, as they always did: the schema check compares types, not constraints.
 */
import type { Pool, QueryRow } from './driver-types.js';
import { charsetOf, isByteText } from './exact-columns.js';
import type { ColumnSchema } from '../model/index.js';

/** The column type in a form both servers print alike for the same type. */
export function comparableColumnType(columnType: string): string {
  return columnType
    .trim()
    .replace(/^(tinyint|smallint|mediumint|int|bigint)\(\d+\)/, '$1')
    .replace(/^year\(4\)$/, 'year')
    .replace(/^geomcollection$/, 'geometrycollection');
}

/** Whether the two columns hold the same type of value, however each server names it. */
export function sameColumnType(source: ColumnSchema, target: ColumnSchema): boolean {
  if (!sameByteCharset(source, target)) return false;
  if (comparableColumnType(source.columnType) === comparableColumnType(target.columnType)) return true;
  return (isJsonType(source) && isJsonText(target)) || (isJsonText(source) && isJsonType(target));
}

/**
 * Text in a character set other than UTF-8 is carried as the bytes the server stores (exact-columns.ts), which
 * mean the same text only in a column of the same character set: such a column must have it on both sides.
 */
function sameByteCharset(source: ColumnSchema, target: ColumnSchema): boolean {
  if (!isByteText(source) && !isByteText(target)) return true;
  return charsetOf(source) === charsetOf(target);
}

/** Why a JSON column and a LONGTEXT differ, for the mismatch message; empty for other types. */
export function typeMismatchHint(source: ColumnSchema, target: ColumnSchema): string {
  if (!sameByteCharset(source, target)) {
    return (
      `; character set ${charsetOf(source) ?? 'none'} vs ${charsetOf(target) ?? 'none'}: text in a character set ` +
      'other than UTF-8 is carried as its bytes, so the column needs the same character set on both sides'
    );
  }
  const jsonAgainstText =
    (isJsonType(source) && target.dataType === 'longtext') ||
    (source.dataType === 'longtext' && isJsonType(target));
  return jsonAgainstText
    ? `; a LONGTEXT is the same type as JSON only with CHECK (JSON_VALID(\`${source.name.replaceAll('`', '``')}\`)), as MariaDB's JSON has`
    : '';
}

function isJsonType(column: ColumnSchema): boolean {
  return column.dataType === 'json';
}

function isJsonText(column: ColumnSchema): boolean {
  return column.dataType === 'longtext' && column.jsonChecked === true;
}

interface CheckClauseRow extends QueryRow {
  checkClause: string;
}

/** `json_valid(`column`)` as both servers print the check of a JSON column, in optional parentheses. */
const jsonValidClause = /^\(?\s*json_valid\s*\(\s*`((?:[^`]|``)+)`\s*\)\s*\)?$/i;

/**
 * The columns of `columns` that are LONGTEXTs a CHECK (JSON_VALID(column)) constrains, marked `jsonChecked`.
 * CHECK_CONSTRAINTS has a TABLE_NAME on MariaDB (where a column's check is named after the column, so names
 * repeat across tables) and none on MySQL (names are unique per schema): the NATURAL JOIN with TABLE_CONSTRAINTS
 * joins on the columns the two views share on each server, so each check is matched to its own table on both.
 */
export async function markJsonCheckedColumns(
  pool: Pool,
  database: string,
  table: string,
  columns: readonly ColumnSchema[],
): Promise<ColumnSchema[]> {
  if (!columns.some((column) => column.dataType === 'longtext')) return [...columns];
  const [rows] = await pool.query<CheckClauseRow[]>(
    `SELECT CHECK_CLAUSE AS checkClause
       FROM information_schema.TABLE_CONSTRAINTS NATURAL JOIN information_schema.CHECK_CONSTRAINTS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_TYPE = 'CHECK'`,
    [database, table],
  );
  const checked = new Set<string>();
  for (const row of rows) {
    const match = jsonValidClause.exec(String(row.checkClause).trim());
    if (match?.[1] !== undefined) checked.add(match[1].replaceAll('``', '`'));
  }
  return columns.map((column) =>
    column.dataType === 'longtext' && checked.has(column.name) ? { ...column, jsonChecked: true } : column,
  );
}
