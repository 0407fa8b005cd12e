/** JSON documents for property tests, written as Oracle MySQL prints them. */
import fc from 'fast-check';
import { mysqlDoubleText, mysqlJsonString } from '../../src/mysql/json-text.js';

/** A JSON document as MySQL prints it: members sorted by key length then bytes, `", "` and `": "` between them. */
export const mysqlPrintedJson: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('null', 'true', 'false'),
    fc.oneof(fc.integer(), fc.constantFrom(-(2 ** 53) + 1, 2 ** 53 - 1)).map(String),
    fc.constantFrom('-9223372036854775808', '9223372036854775807', '18446744073709551615'),
    // DECIMALs, as MySQL prints those it holds inside a document.
    fc.constantFrom('19.90', '1.0000', '-0.10', '123456789012345678901234567890'),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map(mysqlDoubleText),
    fc.string({ unit: 'binary', maxLength: 12 }).map(mysqlJsonString),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(', ')}]`),
    fc
      .uniqueArray(fc.tuple(fc.string({ unit: 'binary', maxLength: 6 }), tie('value')), {
        maxLength: 4,
        selector: ([key]) => key,
      })
      .map((members) => {
        const sorted = [...members].sort(([left], [right]) => {
          const leftBytes = Buffer.from(left, 'utf8');
          const rightBytes = Buffer.from(right, 'utf8');
          return leftBytes.length - rightBytes.length || Buffer.compare(leftBytes, rightBytes);
        });
        return `{${sorted.map(([key, value]) => `${mysqlJsonString(key)}: ${value}`).join(', ')}}`;
      }),
  ),
})).value;
