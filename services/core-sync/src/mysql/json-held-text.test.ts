import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mysqlHeldJsonText } from './json-held-text.js';
import { mysqlPrintedJson } from '../../test/support/mysql-json.js';

describe('mysqlHeldJsonText', () => {
  it('gives back a document MySQL printed unchanged', () => {
    fc.assert(
      fc.property(mysqlPrintedJson, (text) => {
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
    expect(mysqlHeldJsonText('[-0.00, -0.0, -0]')).toBe('[0.00, -0.0, 0]');
  });
});
