import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalLeaves } from './json-decimals.js';
import { mysqlDoubleText, mysqlJsonString } from './json-text.js';

describe('decimalLeaves', () => {
  it('finds the numbers MySQL would not keep as written, with their paths, precision and scale', () => {
    expect(decimalLeaves('{"price": 19.90, "f": 1.0000, "d": 19.9, "n": 7, "e": 1.5e300}')).toEqual([
      { path: '$."price"', literal: '19.90', precision: 4, scale: 2 },
      { path: '$."f"', literal: '1.0000', precision: 5, scale: 4 },
    ]);
    expect(decimalLeaves('[0.50, [-0.10, 123456789012345678901234567890], 18446744073709551615]')).toEqual([
      { path: '$[0]', literal: '0.50', precision: 2, scale: 2 },
      { path: '$[1][0]', literal: '-0.10', precision: 2, scale: 2 },
      { path: '$[1][1]', literal: '123456789012345678901234567890', precision: 30, scale: 0 },
    ]);
  });

  it('quotes any key in the path, and only the last of duplicate keys counts, as MySQL keeps the last', () => {
    expect(decimalLeaves('{"a \\" b.c[0]": {"é\\n": 2.50}}')).toEqual([
      { path: '$."a \\" b.c[0]"."é\\n"', literal: '2.50', precision: 3, scale: 2 },
    ]);
    expect(decimalLeaves('{"k": 1.50, "k": 2.5}')).toEqual([]);
    expect(decimalLeaves('{"k": 2.5, "k": 1.50}')).toEqual([
      { path: '$."k"', literal: '1.50', precision: 3, scale: 2 },
    ]);
  });

  it('skips strings that look like numbers, and refuses what is not JSON', () => {
    expect(decimalLeaves('{"text": "19.90 and 1.000", "list": ["0.50"]}')).toEqual([]);
    expect(() => decimalLeaves('{"a": 1.50')).toThrow(/not a JSON document/);
  });

  it('a DOUBLE printed as MySQL prints it is never taken for a DECIMAL', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        expect(decimalLeaves(`[${mysqlDoubleText(value)}]`)).toEqual([]);
      }),
      { numRuns: 2_000 },
    );
  });

  it('a DECIMAL whose text is not a DOUBLE’s is found wherever it is', () => {
    const decimal = fc
      .tuple(fc.stringMatching(/^(0|[1-9][0-9]{0,20})$/), fc.stringMatching(/^[0-9]{0,10}0$/))
      .map(([integerDigits, fraction]) => `${integerDigits}.${fraction}`)
      // `1.0` and `0.0` are also how MySQL prints a DOUBLE: those read the same either way.
      .filter((literal) => mysqlDoubleText(Number(literal)) !== literal);
    fc.assert(
      fc.property(decimal, fc.string({ maxLength: 5 }), (literal, key) => {
        const leaves = decimalLeaves(`{${mysqlJsonString(key)}: [true, ${literal}]}`);
        expect(leaves).toEqual([
          {
            path: `$.${JSON.stringify(key)}[1]`,
            literal,
            precision: Math.max(
              literal.split('.')[0]!.replace(/^0+/, '').length + literal.split('.')[1]!.length,
              1,
            ),
            scale: literal.split('.')[1]!.length,
          },
        ]);
      }),
      { numRuns: 1_000 },
    );
  });
});
