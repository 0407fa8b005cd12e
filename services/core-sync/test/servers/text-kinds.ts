/**
 * String, binary, BIT, ENUM, SET and JSON columns of the type matrix. Text in non-UTF-8 character sets (F9) is
 * drawn from byte sequences valid in each set, among them those that broke before: sjis 815F (＼) and 8160 (〜),
 * cp932's NEC extensions (ED40), big5 characters whose second byte is a backslash (A45C), latin1's 81 8D 8F 90 9D.
 * JSON documents are written as Oracle MySQL prints them, so both servers hold the same text.
 */
import fc from 'fast-check';
import { mysqlDoubleText } from '../../src/mysql/json-text.js';
import { mysqlPrintedJson } from '../support/mysql-json.js';
import { nullable, type ColumnKind } from './kind-support.js';

const ascii = Array.from({ length: 0x7f - 0x20 }, (_unused, index) => (0x20 + index).toString(16));

const charsetSequences: Record<string, readonly string[]> = {
  latin1: Array.from({ length: 0x100 - 0x20 }, (_unused, index) =>
    (0x20 + index).toString(16).padStart(2, '0'),
  ),
  sjis: [...ascii, 'a1', 'b1', 'df', '815f', '8160', '82a0', '889f', '8140', '9ffc', 'e0a0'],
  cp932: [...ascii, 'b1', '815f', '8160', '82a0', 'ed40', '8790', 'fa40', '8740', 'fc4b'],
  big5: [...ascii, 'a440', 'a45c', 'a1a1', 'b0aa', 'f9d5', 'a15c'],
  ujis: [...ascii, 'a4a2', '8eb1', '8fb0a1', 'b0a1', 'a1c1'],
};

function charsetKind(charset: string, length: number): ColumnKind {
  const sequences = charsetSequences[charset] ?? ascii;
  return {
    name: `text_${charset}`,
    definition: () => `VARCHAR(${length}) CHARACTER SET ${charset} NULL`,
    values: nullable(
      fc
        .array(fc.constantFrom(...sequences), { maxLength: length })
        .map((parts) => (parts.length === 0 ? "''" : `CONVERT(X'${parts.join('')}' USING ${charset})`)),
    ),
    nudge: (column) => `IF(CHAR_LENGTH(${column}) > 0, SUBSTRING(${column}, 2), 'x')`,
  };
}

const unicodeText = (maxLength: number): fc.Arbitrary<string> =>
  fc
    .string({ unit: 'binary', maxLength })
    .map((text) =>
      text.length === 0 ? "''" : `CONVERT(X'${Buffer.from(text, 'utf8').toString('hex')}' USING utf8mb4)`,
    );

const bytes = (maxLength: number): fc.Arbitrary<string> =>
  fc
    .uint8Array({ maxLength })
    .map((array) => (array.length === 0 ? "''" : `X'${Buffer.from(array).toString('hex')}'`));

const sqlString = (text: string): string =>
  `CONVERT(X'${Buffer.from(text, 'utf8').toString('hex')}' USING utf8mb4)`;

/** A DECIMAL literal: up to 30 integer digits, a scale up to 12 (trailing zeros included), or a sign. */
const decimalLiteral: fc.Arbitrary<string> = fc
  .tuple(
    fc.boolean(),
    fc.stringMatching(/^(0|[1-9][0-9]{0,29})$/),
    fc.oneof(fc.constant(''), fc.stringMatching(/^[0-9]{1,12}$/), fc.constantFrom('0', '00', '90', '5000')),
  )
  .map(
    ([negative, integerDigits, fraction]) =>
      `${negative ? '-' : ''}${integerDigits}${fraction === '' ? '' : `.${fraction}`}`,
  );

/**
 * `CAST('<literal>' AS DECIMAL(precision, scale))` for a DECIMAL literal: a DECIMAL inside the JSON built with it.
 */
function decimalExpression(literal: string): string {
  const [integerDigits = '', fraction = ''] = literal.replace('-', '').split('.');
  const precision = Math.max(integerDigits.replace(/^0+/, '').length + fraction.length, 1);
  return `CAST('${literal}' AS DECIMAL(${precision}, ${fraction.length}))`;
}

/**
 * A JSON document built by the server from DECIMALs (JSON_OBJECT and JSON_ARRAY over DECIMAL values, as an
 * application builds one from DECIMAL columns), with doubles, strings and any keys around them: Oracle MySQL holds
 * DECIMALs of their scale inside it, which text would turn into DOUBLEs (`19.90` → `19.9`).
 */
const jsonWithDecimals: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    decimalLiteral.map(decimalExpression),
    fc
      .double({ noNaN: true, noDefaultInfinity: true })
      .map((value) => `CAST(${mysqlDoubleText(value)} AS DOUBLE)`),
    fc.string({ unit: 'binary', maxLength: 8 }).map((text) => sqlString(text)),
    fc.array(tie('value'), { minLength: 1, maxLength: 4 }).map((items) => `JSON_ARRAY(${items.join(', ')})`),
    fc
      .uniqueArray(fc.tuple(fc.string({ unit: 'binary', maxLength: 6 }), tie('value')), {
        minLength: 1,
        maxLength: 4,
        selector: ([key]) => key,
      })
      .map(
        (members) =>
          `JSON_OBJECT(${members.map(([key, value]) => `${sqlString(key)}, ${value}`).join(', ')})`,
      ),
  ),
})).value;

export const textKinds: readonly ColumnKind[] = [
  {
    name: 'text_utf8mb4',
    definition: () => 'VARCHAR(40) CHARACTER SET utf8mb4 NULL',
    values: nullable(unicodeText(40)),
    nudge: (column) => `IF(CHAR_LENGTH(${column}) > 0, SUBSTRING(${column}, 2), 'x')`,
  },
  {
    name: 'char_utf8mb4',
    definition: () => 'CHAR(10) CHARACTER SET utf8mb4 NULL',
    values: nullable(unicodeText(10)),
    nudge: (column) => `IF(CHAR_LENGTH(${column}) > 0, SUBSTRING(${column}, 2), 'x')`,
  },
  {
    name: 'long_text',
    definition: () => 'MEDIUMTEXT NULL',
    values: nullable(unicodeText(400)),
    nudge: (column) => `IF(CHAR_LENGTH(${column}) > 0, SUBSTRING(${column}, 2), 'x')`,
  },
  charsetKind('latin1', 20),
  charsetKind('sjis', 12),
  charsetKind('cp932', 12),
  charsetKind('big5', 12),
  charsetKind('ujis', 12),
  {
    name: 'fixed_binary',
    definition: () => 'BINARY(8) NULL',
    values: nullable(bytes(8)),
    nudge: (column) => `IF(HEX(${column}) = '0000000000000000', X'01', X'00')`,
  },
  {
    name: 'var_binary',
    definition: () => 'VARBINARY(64) NULL',
    values: nullable(bytes(64)),
    nudge: (column) => `IF(LENGTH(${column}) > 0, SUBSTRING(${column}, 2), X'00')`,
  },
  {
    name: 'blob_value',
    definition: () => 'BLOB NULL',
    values: nullable(bytes(600)),
    nudge: (column) => `IF(LENGTH(${column}) > 0, SUBSTRING(${column}, 2), X'00')`,
  },
  {
    name: 'bit64',
    definition: () => 'BIT(64) NULL',
    values: nullable(
      fc
        .bigInt({ min: 0n, max: 2n ** 64n - 1n })
        .map((value) => `X'${value.toString(16).padStart(16, '0')}'`),
    ),
    nudge: (column) => `${column} ^ 1`,
  },
  {
    name: 'enum_value',
    definition: () => "ENUM('small','medium','large') NULL",
    values: nullable(fc.constantFrom("'small'", "'medium'", "'large'")),
    nudge: (column) => `IF(${column} = 'small', 'large', 'small')`,
  },
  {
    name: 'set_value',
    definition: () => "SET('red','green','blue') NULL",
    values: nullable(fc.subarray(['red', 'green', 'blue']).map((members) => `'${members.join(',')}'`)),
    nudge: (column) => `IF(${column} = 'red', 'blue', 'red')`,
  },
  {
    name: 'json_value',
    definition: () => 'JSON NULL',
    values: nullable(mysqlPrintedJson.map(sqlString)),
    nudge: (column) => `JSON_ARRAY(${column})`,
  },
  {
    name: 'json_decimals',
    definition: () => 'JSON NULL',
    values: nullable(
      fc.oneof(
        jsonWithDecimals.map((value) => `JSON_ARRAY(${value})`),
        fc.constantFrom(
          `JSON_OBJECT('price', ${decimalExpression('19.90')}, 'f', ${decimalExpression('1.0000')})`,
          `JSON_ARRAY(${decimalExpression('123456789012345678901234567890')}, ${decimalExpression('-0.10')})`,
        ),
      ),
    ),
    nudge: (column) => `JSON_ARRAY(${column})`,
  },
];
