/**
 * Both sides compared row by row with exact values, whatever the servers (MariaDB or Oracle MySQL):
 * - FLOAT and DOUBLE as their stored bits (read through the binary protocol, which sends the IEEE bytes);
 * - strings, binary strings, BIT, ENUM, SET and spatial values as their stored bytes (`HEX`), so bytes in the
 *   column's character set are compared, not a Unicode round trip; ENUM also by index (an invalid '' is index 0);
 * - integers, DECIMAL and temporal values as the server's text of them (exact for these types);
 * - JSON in a canonical form that keeps number types (see `canonicalJson`).
 *
 * Row counts or CHECKSUM TABLE are not proof: they hid silent corruption before.
 */
import { expect } from 'vitest';
import type mysql from 'mysql2/promise';
import { quoteIdentifier } from '../../src/mysql/index.js';
import type { TestDatabase } from './test-database.js';

interface ColumnFacts {
  readonly name: string;
  readonly dataType: string;
  readonly columnType: string;
  /** MariaDB's JSON: a LONGTEXT with a CHECK (JSON_VALID(column)); its text is the document as written. */
  readonly jsonText: boolean;
}

export type ExactRow = Record<string, string | null>;

/**
 * `kept`: -0 and 0 are different values. `ignored`: they are the same, for a comparison with a MariaDB side,
 * which stores every -0 as 0 (an INSERT of -0 reads back as 0 there, whoever writes it).
 */
export type ZeroSign = 'kept' | 'ignored';

async function columnsOf(database: TestDatabase, table: string): Promise<ColumnFacts[]> {
  const rows = await database.query<{ name: string; dataType: string; columnType: string }>(
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [database.name, table],
  );
  if (rows.length === 0) throw new Error(`table ${database.name}.${table} has no columns (does it exist?)`);
  const jsonColumns = rows.some((row) => String(row.dataType).toLowerCase() === 'longtext')
    ? await jsonValidColumns(database, table)
    : new Set<string>();
  return rows.map((row) => ({
    name: row.name,
    dataType: String(row.dataType).toLowerCase(),
    columnType: String(row.columnType).toLowerCase(),
    jsonText: String(row.dataType).toLowerCase() === 'longtext' && jsonColumns.has(row.name),
  }));
}

/**
 * The LONGTEXT columns a table checks with JSON_VALID: MariaDB's JSON, and such a column created on MySQL from
 * MariaDB's definition. (MySQL's CHECK_CONSTRAINTS has no table name: TABLE_CONSTRAINTS gives it, on both.)
 */
async function jsonValidColumns(database: TestDatabase, table: string): Promise<Set<string>> {
  const checks = await database.query<{ clause: string }>(
    `SELECT checks.CHECK_CLAUSE AS clause
       FROM information_schema.TABLE_CONSTRAINTS constraints
       JOIN information_schema.CHECK_CONSTRAINTS checks
         ON checks.CONSTRAINT_SCHEMA = constraints.CONSTRAINT_SCHEMA
        AND checks.CONSTRAINT_NAME = constraints.CONSTRAINT_NAME
      WHERE constraints.TABLE_SCHEMA = ? AND constraints.TABLE_NAME = ? AND constraints.CONSTRAINT_TYPE = 'CHECK'`,
    [database.name, table],
  );
  const columns = new Set<string>();
  for (const check of checks) {
    const match = /^\(?json_valid\(`((?:[^`]|``)+)`\)\)?$/i.exec(String(check.clause).trim());
    if (match?.[1] !== undefined) columns.add(match[1].replace(/``/g, '`'));
  }
  return columns;
}

const floatTypes = new Set(['float', 'double', 'real']);
const textTypes = new Set([
  'char',
  'varchar',
  'tinytext',
  'text',
  'mediumtext',
  'longtext',
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'bit',
  'set',
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
]);

/** The exact SQL expression for a column; floats come back raw and are turned into bits in JavaScript. */
function exactExpression(column: ColumnFacts): string {
  const quoted = quoteIdentifier(column.name);
  if (floatTypes.has(column.dataType)) return quoted;
  if (column.dataType === 'json' || isJsonText(column)) return `CAST(${quoted} AS CHAR)`;
  if (column.dataType === 'enum') return `CONCAT(HEX(${quoted}), ':', ${quoted} + 0)`;
  if (textTypes.has(column.dataType)) return `HEX(${quoted})`;
  return `CAST(${quoted} AS CHAR)`;
}

function floatBits(value: unknown, dataType: string, zeroSign: ZeroSign): string | null {
  if (value === null) return null;
  const read = typeof value === 'number' ? value : Number(value);
  const number = zeroSign === 'ignored' && read === 0 ? 0 : read;
  const bytes = Buffer.alloc(dataType === 'float' ? 4 : 8);
  if (dataType === 'float') bytes.writeFloatBE(number);
  else bytes.writeDoubleBE(number);
  return `${dataType}:${bytes.toString('hex')}`;
}

/** Every row of `table` as exact strings, ordered by `orderBy` (column names). */
export async function readExactRows(
  database: TestDatabase,
  table: string,
  orderBy: readonly string[],
  zeroSign: ZeroSign = 'kept',
): Promise<ExactRow[]> {
  const columns = await columnsOf(database, table);
  const select = columns.map((column) => `${exactExpression(column)} AS ${quoteIdentifier(column.name)}`);
  const sql =
    `SELECT ${select.join(', ')} FROM ${quoteIdentifier(table)} ` +
    `ORDER BY ${orderBy.map((name) => quoteIdentifier(name)).join(', ')}`;
  // The binary protocol: FLOAT and DOUBLE arrive as their 4 or 8 IEEE bytes, not as text.
  const connection = await database.pool.getConnection();
  try {
    const [rows] = await connection.execute<mysql.RowDataPacket[]>(sql);
    return rows.map((row) => {
      const exact: ExactRow = {};
      for (const column of columns) {
        const value: unknown = row[column.name];
        if (floatTypes.has(column.dataType)) {
          exact[column.name] = floatBits(value, column.dataType === 'float' ? 'float' : 'double', zeroSign);
        } else if (column.dataType === 'json' || isJsonText(column)) {
          exact[column.name] = value === null ? null : canonicalJson(textOf(value));
        } else {
          exact[column.name] = value === null ? null : textOf(value);
        }
      }
      return exact;
    });
  } finally {
    connection.release();
  }
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return value.toString('hex');
  throw new Error(`unexpected value ${JSON.stringify(value)} in an exact read`);
}

function isJsonText(column: ColumnFacts): boolean {
  return column.jsonText;
}

/**
 * A JSON document in a canonical form that keeps what a number is: object members sorted, no white space, and
 * each number written as its kind and exact value (`int:19`, `dec:19.90`, `dbl:<bits>`). A MySQL server prints a
 * DECIMAL inside JSON with its scale (19.90) and a DOUBLE in its shortest form (19.9), so a DECIMAL that became a
 * DOUBLE, or a number that became a string, shows.
 */
export function canonicalJson(text: string): string {
  let offset = 0;
  const skipSpace = (): void => {
    while (offset < text.length && ' \t\n\r'.includes(text[offset] as string)) offset += 1;
  };
  const parseValue = (): string => {
    skipSpace();
    const head = text[offset];
    if (head === '{') {
      offset += 1;
      const members: [string, string][] = [];
      skipSpace();
      if (text[offset] === '}') {
        offset += 1;
        return '{}';
      }
      for (;;) {
        skipSpace();
        const key = parseString();
        skipSpace();
        offset += 1; // ':'
        members.push([key, parseValue()]);
        skipSpace();
        const separator = text[offset];
        offset += 1;
        if (separator === '}') break;
      }
      members.sort((left, right) => (left[0] < right[0] ? -1 : left[0] > right[0] ? 1 : 0));
      return `{${members.map(([key, value]) => `${key}:${value}`).join(',')}}`;
    }
    if (head === '[') {
      offset += 1;
      const items: string[] = [];
      skipSpace();
      if (text[offset] === ']') {
        offset += 1;
        return '[]';
      }
      for (;;) {
        items.push(parseValue());
        skipSpace();
        const separator = text[offset];
        offset += 1;
        if (separator === ']') break;
      }
      return `[${items.join(',')}]`;
    }
    if (head === '"') return parseString();
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, offset)) {
        offset += literal.length;
        return literal;
      }
    }
    const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(offset));
    if (match === null) throw new Error(`not JSON at offset ${offset}: ${text.slice(offset, offset + 20)}`);
    offset += match[0].length;
    const literal = match[0];
    if (match[1] === undefined && match[2] === undefined) return `int:${BigInt(literal).toString()}`;
    if (match[2] === undefined) return `dec:${literal}`;
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(Number(literal));
    return `dbl:${bytes.toString('hex')}`;
  };
  const parseString = (): string => {
    const start = offset;
    offset += 1;
    while (text[offset] !== '"') offset += text[offset] === '\\' ? 2 : 1;
    offset += 1;
    return JSON.stringify(JSON.parse(text.slice(start, offset)) as string);
  };
  const value = parseValue();
  skipSpace();
  if (offset !== text.length) throw new Error(`trailing text after JSON at offset ${offset}: ${text}`);
  return value;
}

/** Asserts that both databases hold exactly the same rows in `table`, value by value. */
export async function expectExactlyEqual(
  source: TestDatabase,
  target: TestDatabase,
  table: string,
  orderBy: readonly string[],
  zeroSign: ZeroSign = 'kept',
): Promise<void> {
  const [sourceRows, targetRows] = await Promise.all([
    readExactRows(source, table, orderBy, zeroSign),
    readExactRows(target, table, orderBy, zeroSign),
  ]);
  expect(targetRows.length, `${table}: row count`).toBe(sourceRows.length);
  for (let index = 0; index < sourceRows.length; index += 1) {
    expect(targetRows[index], `${table}: row ${index + 1} of ${sourceRows.length}`).toEqual(
      sourceRows[index],
    );
  }
}
