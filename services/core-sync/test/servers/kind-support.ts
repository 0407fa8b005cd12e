/** What a column kind of the type matrix is, and helpers the kinds share. */
import fc from 'fast-check';
import type { Flavor } from './server-pairs.js';

export interface ColumnKind {
  readonly name: string;
  /** The column's definition (without the name) on a server of `flavor`. */
  definition(flavor: Flavor): string;
  /** SQL literals for values of this column (NULL included), valid on both servers. */
  readonly values: fc.Arbitrary<string>;
  /**
   * The SQL value of a change that a compare must see, the smallest there is (for the full sync's silent
   * divergence): `exact` is the value as readExactRows reads it (non-null).
   */
  readonly nudge: (quotedColumn: string, exact: string) => string;
}

export const nullable = (literals: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof({ weight: 1, arbitrary: fc.constant('NULL') }, { weight: 9, arbitrary: literals });
