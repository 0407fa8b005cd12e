import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mysqlHeldJsonText } from './json-held-text.js';
import { mysqlDoubleText, mysqlJsonString } from './json-text.js';

/** A document as Oracle MySQL prints it: members sorted by key length then bytes, `", "` and `": "`. */
const mysqlPrinted: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(
      'null',
      'true',
      'false',
      '18446744073709551615',
      '-9223372036854775808',
      '19.90',
      '1.0000',
    ),
    fc.integer().map(String),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map(mysqlDoubleText),
    fc.string({ unit: 'binary', maxLength: 8 }).map(mysqlJsonString),
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

describe('mysqlHeldJsonText', () => {
  it('gives back a document MySQL printed unchanged', () => {
    fc.assert(
      fc.property(mysqlPrinted, (text) => {
        expect(mysqlHeldJsonText(text)).toBe(text);
      }),
      { numRuns: 1_000 },
    );
  });

  it('prints MariaDB text as a MySQL JSON column holds it once written there', () => {
    expect(mysqlHeldJsonText('{"bb":1,"a":[1.50, 2E2, -0, 0.5],"c":"\\u00e9\\/"}')).toBe(
      '{"a": [1.50, 200.0, 0, 0.5], "c": "é/", "bb": 1}',
    );
    expect(mysqlHeldJsonText('{"k": 1, "k": 2.0}')).toBe('{"k": 2.0}');
    expect(mysqlHeldJsonText(' [ ] ')).toBe('[]');
  });
});
