/**
 * How Oracle MySQL prints JSON values (a SELECT of a JSON column, JSON_EXTRACT, CAST(… AS CHAR)): its notation for
 * DOUBLEs and its escaping of strings. The binlog decoder prints binary JSON with them, and the writes to a MySQL
 * JSON column use them to tell which numbers MySQL's parser would keep as written (json-decimals.ts).
 */

/** MySQL's DBL_DIG, the bound of its fixed notation (strings/dtoa.cc, my_gcvt). */
const fixedNotationDigits = 15;

/**
 * A DOUBLE as MySQL prints it: the shortest round-trip digits, in fixed notation when the decimal point falls
 * within 15 places either way (or the digits reach past it), else in exponent notation; an integral value in fixed
 * notation gets `.0`.
 */
export function mysqlDoubleText(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const negative = value < 0;
  const [mantissa = '', exponentText = '0'] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const pointAt = Number(exponentText) + 1;
  const fixed =
    pointAt >= -fixedNotationDigits + 1 && (pointAt <= fixedNotationDigits || digits.length > pointAt);
  let text: string;
  if (fixed) {
    if (pointAt <= 0) text = `0.${'0'.repeat(-pointAt)}${digits}`;
    else if (pointAt >= digits.length) text = `${digits}${'0'.repeat(pointAt - digits.length)}.0`;
    else text = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  } else {
    const rest = digits.length > 1 ? `.${digits.slice(1)}` : '';
    text = `${digits[0] ?? ''}${rest}e${pointAt - 1}`;
  }
  return negative ? `-${text}` : text;
}

/** A string as MySQL's JSON printer escapes it. */
export function mysqlJsonString(value: string): string {
  let out = '"';
  for (const character of value) {
    const code = character.codePointAt(0) as number;
    if (character === '"') out += '\\"';
    else if (character === '\\') out += '\\\\';
    else if (character === '\n') out += '\\n';
    else if (character === '\r') out += '\\r';
    else if (character === '\t') out += '\\t';
    else if (character === '\b') out += '\\b';
    else if (character === '\f') out += '\\f';
    else if (code < 0x20) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += character;
  }
  return `${out}"`;
}
