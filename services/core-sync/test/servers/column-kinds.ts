/**
 * The column types of the type matrix, each with its definition on each server and a fast-check generator of SQL
 * literals for its values, edge cases first: the extremes, values past 2^53, floats drawn from their raw bits,
 * every ulp counting.
 */
import fc from 'fast-check';
import { nullable, type ColumnKind } from './kind-support.js';
import type { Flavor } from './server-pairs.js';
import { temporalKinds } from './temporal-kinds.js';
import { textKinds } from './text-kinds.js';

export type { ColumnKind } from './kind-support.js';

function integerKind(name: string, sqlType: string, bits: number, unsigned: boolean): ColumnKind {
  const minimum = unsigned ? 0n : -(1n << BigInt(bits - 1));
  const maximum = unsigned ? (1n << BigInt(bits)) - 1n : (1n << BigInt(bits - 1)) - 1n;
  const edges = [minimum, maximum, 0n, 1n, maximum - 1n].filter((value) => value >= minimum);
  if (bits === 64)
    edges.push(9007199254740993n, 9007199254740992n, unsigned ? 9223372036854775809n : -9007199254740993n);
  return {
    name,
    definition: () => `${sqlType}${unsigned ? ' UNSIGNED' : ''} NULL`,
    values: nullable(
      fc
        .oneof(fc.constantFrom(...edges), fc.bigInt({ min: minimum, max: maximum }))
        .map((value) => value.toString()),
    ),
    nudge: (column) => `IF(${column} = ${maximum}, ${column} - 1, ${column} + 1)`,
  };
}

/** A double's shortest text, which the servers parse back to the same bits. */
function doubleLiteral(value: number): string {
  if (Object.is(value, -0)) return '-0e0';
  const text = value.toString();
  return /[e.]/.test(text) ? (text.includes('e') ? text : `${text}e0`) : `${text}e0`;
}

/**
 * The float or double one unit in the last place away from `exact` (`float:<hex bits>` or `double:<hex bits>`,
 * as readExactRows gives it), as a literal: a difference only the stored bits show.
 */
export function nextUlpLiteral(exact: string): string {
  const [kind, hex] = exact.split(':') as [string, string];
  const bytes = Buffer.from(hex, 'hex');
  const width = kind === 'float' ? 4 : 8;
  // Toward zero from the largest magnitude, away from zero otherwise: never past the finite range.
  const bits = width === 4 ? BigInt(bytes.readUInt32BE(0)) : bytes.readBigUInt64BE(0);
  const exponentMask = width === 4 ? 0x7f800000n : 0x7ff0000000000000n;
  const mantissaMask = width === 4 ? 0x007fffffn : 0x000fffffffffffffn;
  const atLargest =
    (bits & exponentMask) === exponentMask - (exponentMask & -exponentMask) &&
    (bits & mantissaMask) === mantissaMask;
  const nudged = atLargest ? bits - 1n : bits + 1n;
  const out = Buffer.alloc(width);
  if (width === 4) out.writeUInt32BE(Number(nudged), 0);
  else out.writeBigUInt64BE(nudged, 0);
  const value = width === 4 ? out.readFloatBE(0) : out.readDoubleBE(0);
  return doubleLiteral(value);
}

const finiteDoubles = fc
  .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }))
  .map(([high, low]) => {
    const bytes = Buffer.alloc(8);
    bytes.writeUInt32BE(high, 0);
    bytes.writeUInt32BE(low, 4);
    return bytes.readDoubleBE(0);
  })
  .filter((value) => Number.isFinite(value));

const finiteFloats = fc
  .integer({ min: 0, max: 0xffffffff })
  .map((bits) => {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(bits, 0);
    return bytes.readFloatBE(0);
  })
  .filter((value) => Number.isFinite(value));

/** Ordinary magnitudes too, where applications live (and the 6-digit FLOAT text lost bits): 782.8125, 9.0089…. */
const everydayDoubles = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });

const numericKinds: readonly ColumnKind[] = [
  integerKind('tiny_signed', 'TINYINT', 8, false),
  integerKind('small_unsigned', 'SMALLINT', 16, true),
  integerKind('medium_signed', 'MEDIUMINT', 24, false),
  integerKind('int_unsigned', 'INT', 32, true),
  integerKind('big_signed', 'BIGINT', 64, false),
  integerKind('big_unsigned', 'BIGINT', 64, true),
  {
    name: 'exact_decimal',
    definition: () => 'DECIMAL(65,30) NULL',
    values: nullable(
      fc
        .tuple(
          fc.bigInt({ min: -(10n ** 35n) + 1n, max: 10n ** 35n - 1n }),
          fc.bigInt({ min: 0n, max: 10n ** 30n - 1n }),
        )
        .map(([whole, fraction]) => `${whole}.${fraction.toString().padStart(30, '0')}`),
    ),
    nudge: (column) => `${column} + 0.000000000000000000000000000001`,
  },
  {
    name: 'double_value',
    definition: () => 'DOUBLE NULL',
    values: nullable(fc.oneof(finiteDoubles, everydayDoubles).map(doubleLiteral)),
    nudge: (_column, exact) => nextUlpLiteral(exact),
  },
  {
    name: 'float_value',
    definition: () => 'FLOAT NULL',
    values: nullable(
      fc
        .oneof(
          finiteFloats,
          everydayDoubles.map((value) => Math.fround(value)),
        )
        .map(doubleLiteral),
    ),
    nudge: (_column, exact) => nextUlpLiteral(exact),
  },
  {
    name: 'scaled_double',
    definition: () => 'DOUBLE(12,4) NULL',
    values: nullable(fc.double({ min: -99999999, max: 99999999, noNaN: true }).map(doubleLiteral)),
    // The server rounds what it stores here to 4 decimals: the smallest change is one in the 4th.
    nudge: (column) => `IF(${column} > 0, ${column} - 0.0001, ${column} + 0.0001)`,
  },
];

export const columnKinds: readonly ColumnKind[] = [...numericKinds, ...temporalKinds, ...textKinds];

/** The CREATE TABLE of the matrix on a server of `flavor`. */
export function matrixTableSql(
  table: string,
  flavor: Flavor,
  kinds: readonly ColumnKind[] = columnKinds,
): string {
  const columns = kinds.map((kind) => `\`${kind.name}\` ${kind.definition(flavor)}`);
  return `CREATE TABLE \`${table}\` (id INT NOT NULL PRIMARY KEY, ${columns.join(', ')}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;
}

/** Rows of literals, one per kind, for ids from `firstId` on. */
export function matrixRows(kinds: readonly ColumnKind[], count: number): fc.Arbitrary<string[][]> {
  return fc.array(fc.tuple(...kinds.map((kind) => kind.values)), { minLength: count, maxLength: count });
}

/** `INSERT` statements for the rows (ids from `firstId`), 50 rows a statement. */
export function insertStatements(
  table: string,
  kinds: readonly ColumnKind[],
  rows: readonly string[][],
  firstId: number,
): string[] {
  const statements: string[] = [];
  const columns = ['id', ...kinds.map((kind) => kind.name)].map((name) => `\`${name}\``).join(', ');
  for (let start = 0; start < rows.length; start += 50) {
    const tuples = rows
      .slice(start, start + 50)
      .map((row, index) => `(${[String(firstId + start + index), ...row].join(', ')})`);
    statements.push(`INSERT INTO \`${table}\` (${columns}) VALUES ${tuples.join(', ')}`);
  }
  return statements;
}
