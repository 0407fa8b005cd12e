/**
 * The text an Oracle MySQL JSON column prints for a document the service wrote to it: members sorted as MySQL
 * stores them (by key length, then bytes; the last of duplicate keys), `", "` and `": "` between them, strings
 * escaped its way, numbers as its parser reads them (a DOUBLE in its notation, an integer as it is), except the
 * DECIMALs json-decimals.ts finds, which the service writes as DECIMALs of their scale.
 *
 * A document read from a MySQL JSON column comes back unchanged. One read from MariaDB, whose JSON is a LONGTEXT
 * kept as written, comes back as a MySQL target holds it: what to compare a MySQL side's document with.
 */
import type { Row, TableSchema } from '../model/index.js';
import { decimalOf } from './json-decimals.js';
import { mysqlDoubleText, mysqlJsonString } from './json-text.js';
import { lastMembers, parseJsonTree, type JsonNode } from './json-tree.js';

/** How a MySQL JSON column prints `text` once the service has written it there. */
export function mysqlHeldJsonText(text: string): string {
  return printNode(parseJsonTree(text));
}

function printNode(node: JsonNode): string {
  switch (node.kind) {
    case 'object': {
      const members = lastMembers(node.members).map(([key, member]) => ({
        key,
        bytes: Buffer.from(key, 'utf8'),
        member,
      }));
      members.sort(
        (left, right) => left.bytes.length - right.bytes.length || Buffer.compare(left.bytes, right.bytes),
      );
      return `{${members.map(({ key, member }) => `${mysqlJsonString(key)}: ${printNode(member)}`).join(', ')}}`;
    }
    case 'array':
      return `[${node.items.map(printNode).join(', ')}]`;
    case 'string':
      return mysqlJsonString(node.value);
    case 'literal':
      return node.literal;
    case 'number':
      return numberText(node.literal);
  }
}

function numberText(literal: string): string {
  // MySQL keeps no sign on a DECIMAL zero (-0.00 is held as 0.00).
  if (decimalOf(literal) !== undefined) return /^-[0.]+$/.test(literal) ? literal.slice(1) : literal;
  if (/^-?\d+$/.test(literal)) {
    const integer = BigInt(literal);
    if (integer >= -(2n ** 63n) && integer <= 2n ** 64n - 1n) return integer.toString();
  }
  return mysqlDoubleText(Number(literal));
}

const jsonColumnsBySchema = new WeakMap<TableSchema, readonly string[]>();

/** The table's Oracle MySQL JSON columns (none on MariaDB, whose JSON is a LONGTEXT). */
export function mysqlJsonColumns(schema: TableSchema): readonly string[] {
  let columns = jsonColumnsBySchema.get(schema);
  if (columns === undefined) {
    columns = schema.columns.filter((column) => column.dataType === 'json').map((column) => column.name);
    jsonColumnsBySchema.set(schema, columns);
  }
  return columns;
}

/**
 * The row with its documents in `jsonColumns` as a MySQL JSON column holds them (the row itself when there are
 * none): what to compare a row with when one side of it is such a column.
 */
export function asHeldByMysqlJson<Value extends Row | null>(
  row: Value,
  jsonColumns: readonly string[],
): Value {
  if (row === null || jsonColumns.length === 0) return row;
  const held: Row = { ...row };
  for (const column of jsonColumns) {
    const value = held[column];
    if (typeof value === 'string') held[column] = mysqlHeldJsonText(value);
  }
  return held as Value;
}
