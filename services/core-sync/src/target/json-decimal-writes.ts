/**
 * Rows whose JSON documents hold DECIMALs that Oracle MySQL's JSON parser would not keep as written
 * (mysql/json-decimals.ts says which): written one at a time, each such document as
 * `JSON_SET(CAST(? AS JSON), '$.path', CAST(? AS DECIMAL(precision, scale)), …)` in the row's own upsert, so the
 * target holds DECIMALs of the source's scale and prints the document as the source does. Only MySQL JSON columns need it:
 * MariaDB's JSON is a LONGTEXT that keeps any text as written.
 *
 * A row that also holds an ENUM's invalid value `''` is written by invalid-enum-values.ts instead, whose statement
 * takes plain values: its DECIMALs arrive as the DOUBLEs MySQL parses them to (the same value).
 */
import type { Row } from '../model/index.js';
import { decimalLeaves, type DecimalLeaf, type ParameterBinder } from '../mysql/index.js';

/** True when one of the row's `jsonColumns` holds a DECIMAL that must be set as one. */
export function holdsJsonDecimals(row: Row, jsonColumns: readonly string[]): boolean {
  return jsonColumns.some((column) => {
    const value = row[column];
    return typeof value === 'string' && decimalLeaves(value).length > 0;
  });
}

/** One row's value expressions (in `columns` order) and the values for their placeholders. */
export interface RowValueExpressions {
  readonly expressions: string[];
  readonly values: unknown[];
}

/** The row's values, its JSON documents with DECIMALs as JSON_SET expressions over their text. */
export function rowValueExpressions(
  row: Row,
  columns: readonly string[],
  binders: readonly ParameterBinder[],
  jsonColumns: readonly string[],
): RowValueExpressions {
  const expressions: string[] = [];
  const values: unknown[] = [];
  columns.forEach((column, index) => {
    const value = row[column] ?? null;
    const leaves: DecimalLeaf[] =
      typeof value === 'string' && jsonColumns.includes(column) ? decimalLeaves(value) : [];
    if (leaves.length === 0) {
      expressions.push('?');
      values.push((binders[index] as ParameterBinder)(value));
      return;
    }
    const settings = leaves.map((leaf) => `, ?, CAST(? AS DECIMAL(${leaf.precision}, ${leaf.scale}))`);
    expressions.push(`JSON_SET(CAST(? AS JSON)${settings.join('')})`);
    values.push(value, ...leaves.flatMap((leaf) => [leaf.path, leaf.literal]));
  });
  return { expressions, values };
}
