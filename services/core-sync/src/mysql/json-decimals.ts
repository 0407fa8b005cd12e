/**
 * The numbers of a JSON text that Oracle MySQL's JSON parser would not keep as written.
 *
 * JSON travels as text (the text a SELECT of the column gives, or the binlog decoder prints the same). MySQL's
 * parser reads a number with a fraction as a DOUBLE and prints it back in its shortest form, so a DECIMAL inside a
 * document (built with JSON_OBJECT from a DECIMAL column, say) printed as `19.90` or `1.0000` would arrive as
 * `19.9` or `1.0`: another number type, another text, and a full sync that finds the row different on every run.
 * Such numbers are set back as DECIMALs with their scale after the row is written (apply/json-decimal-writes.ts),
 * so the target prints the document as the source does.
 *
 * A number needs it when its text is not what MySQL prints for the DOUBLE (or the integer) it parses to: more
 * fraction digits than the shortest form (`19.90`), more significant digits than a DOUBLE holds, or an integer past
 * 64 bits. One that reads the same as a DOUBLE (`19.9`) stays one: same value and same text (docs/binlog-decoder.md).
 * Exponent notation is never a DECIMAL's; numbers past DECIMAL(65,30) cannot be one either and stay as parsed.
 */
import { mysqlDoubleText } from './json-text.js';
import { lastMembers, parseJsonTree, type JsonNode } from './json-tree.js';

/** A number to set back as DECIMAL(precision, scale), at a JSON path (`$."price"[2]`). */
export interface DecimalLeaf {
  readonly path: string;
  readonly literal: string;
  readonly precision: number;
  readonly scale: number;
}

const maximumPrecision = 65;
const maximumScale = 30;
const int64Minimum = -(2n ** 63n);
const uint64Maximum = 2n ** 64n - 1n;

/**
 * The DECIMALs of `text` (a valid JSON document) that MySQL's parser would turn into something else. Empty for the
 * usual document, cheaply: one without a decimal point and without a run of 19 digits has none.
 */
export function decimalLeaves(text: string): DecimalLeaf[] {
  if (!text.includes('.') && !/\d{19}/.test(text)) return [];
  const leaves: DecimalLeaf[] = [];
  collectLeaves(parseJsonTree(text), '$', leaves);
  return leaves;
}

function collectLeaves(node: JsonNode, path: string, leaves: DecimalLeaf[]): void {
  if (node.kind === 'object') {
    for (const [key, member] of lastMembers(node.members))
      collectLeaves(member, `${path}.${JSON.stringify(key)}`, leaves);
  } else if (node.kind === 'array') {
    node.items.forEach((item, index) => collectLeaves(item, `${path}[${index}]`, leaves));
  } else if (node.kind === 'number') {
    const leaf = decimalOf(node.literal);
    if (leaf !== undefined) leaves.push({ path, ...leaf });
  }
}

/** The DECIMAL a number literal must be written as, or undefined when MySQL's parser keeps it as written. */
export function decimalOf(
  literal: string,
): { literal: string; precision: number; scale: number } | undefined {
  const match = /^-?(\d+)(?:\.(\d+))?$/.exec(literal);
  if (match === null) return undefined;
  const [, integerDigits = '', fractionDigits] = match;
  if (fractionDigits === undefined) {
    const integer = BigInt(literal);
    if (integer >= int64Minimum && integer <= uint64Maximum) return undefined;
  } else if (mysqlDoubleText(Number(literal)) === literal) {
    return undefined;
  }
  const scale = fractionDigits?.length ?? 0;
  const precision = Math.max(integerDigits.replace(/^0+/, '').length + scale, 1);
  if (precision > maximumPrecision || scale > maximumScale) return undefined;
  return { literal, precision, scale };
}
