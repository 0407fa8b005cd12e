/**
 * XA transaction ids and the XA statements of the binlog. Pure.
 *
 * An xid is a gtrid (global transaction id, up to 64 bytes), a bqual (branch qualifier, up to 64 bytes) and a
 * format id (default 1). Both MariaDB and MySQL log the XA statements with the xid in hexadecimal
 * (`XA COMMIT X'7831',X'',1`), and carry it as bytes in the XA_PREPARE event (and, on MariaDB, in the GTID event of
 * an XA group); a statement may also spell it as typed (`XA COMMIT 'x1'`, `'a','b',7`, `0x6162`, `_binary'…'`).
 * Every spelling is turned into the canonical text `X'<gtrid hex>',X'<bqual hex>',<formatId>` — what the servers
 * print — so the PREPARE and the COMMIT of one transaction meet under the same key, and an operator can paste it
 * into `XA COMMIT …` or `XA ROLLBACK …`.
 */

/** The canonical text of an xid: `X'7831',X'',1`. */
export type XidText = string;

export function formatXid(formatId: number, gtrid: Uint8Array, bqual: Uint8Array): XidText {
  return `X'${Buffer.from(gtrid).toString('hex')}',X'${Buffer.from(bqual).toString('hex')}',${formatId}`;
}

export type XaVerb = 'start' | 'end' | 'prepare' | 'commit' | 'rollback' | 'recover';

export interface XaStatement {
  readonly verb: XaVerb;
  /** The xid, or null when the statement has none (`XA RECOVER`) or it could not be read. */
  readonly xid: XidText | null;
  /** `XA COMMIT … ONE PHASE`: commits a transaction that was never prepared. */
  readonly onePhase: boolean;
}

const verbs: Readonly<Record<string, XaVerb>> = {
  START: 'start',
  BEGIN: 'start',
  END: 'end',
  PREPARE: 'prepare',
  COMMIT: 'commit',
  ROLLBACK: 'rollback',
  RECOVER: 'recover',
};

/** The XA statement `statement` is, or null when it is not one. */
export function parseXaStatement(statement: string): XaStatement | null {
  const head = /^\s*XA\s+([A-Za-z]+)\b/i.exec(statement);
  const verb = verbs[head?.[1]?.toUpperCase() ?? ''];
  if (head === null || verb === undefined) return null;
  if (verb === 'recover') return { verb, xid: null, onePhase: false };
  const reader = new XidReader(statement, head[0].length);
  const xid = reader.readXid();
  const rest = xid === null ? '' : reader.rest();
  return { verb, xid, onePhase: verb === 'commit' && /^ONE\s+PHASE$/i.test(rest) };
}

/** Reads `gtrid [, bqual [, formatId]]` from a position in the statement. */
class XidReader {
  readonly #text: string;
  #offset: number;

  constructor(text: string, offset: number) {
    this.#text = text;
    this.#offset = offset;
  }

  readXid(): XidText | null {
    const gtrid = this.#readString();
    if (gtrid === null) return null;
    let bqual: Buffer = Buffer.alloc(0);
    let formatId = 1;
    if (this.#skipComma()) {
      const readBqual = this.#readString();
      if (readBqual === null) return null;
      bqual = readBqual;
      if (this.#skipComma()) {
        const readFormatId = this.#readNumber();
        if (readFormatId === null) return null;
        formatId = readFormatId;
      }
    }
    return formatXid(formatId, gtrid, bqual);
  }

  /** What follows the xid, trimmed (`ONE PHASE`, `SUSPEND`…). */
  rest(): string {
    return this.#text.slice(this.#offset).trim();
  }

  #skipSpace(): void {
    while (this.#offset < this.#text.length && /\s/.test(this.#text.charAt(this.#offset))) this.#offset += 1;
  }

  #skipComma(): boolean {
    this.#skipSpace();
    if (this.#text.charAt(this.#offset) !== ',') return false;
    this.#offset += 1;
    return true;
  }

  #readString(): Buffer | null {
    this.#skipSpace();
    const remaining = this.#text.slice(this.#offset);
    // A character set introducer (`_binary'…'`, `_utf8mb4 X'…'`) or the national prefix (`N'…'`) changes nothing
    // here: the bytes are those written.
    const introducer = /^(?:_[A-Za-z0-9]+\s*|N(?='))/i.exec(remaining);
    if (introducer !== null) {
      this.#offset += introducer[0].length;
      return this.#readString();
    }
    const hexQuoted = /^X'([0-9A-Fa-f]*)'/i.exec(remaining);
    if (hexQuoted !== null) {
      const digits = hexQuoted[1] ?? '';
      if (digits.length % 2 !== 0) return null;
      this.#offset += hexQuoted[0].length;
      return Buffer.from(digits, 'hex');
    }
    const hexNumber = /^0x([0-9A-Fa-f]+)\b/.exec(remaining);
    if (hexNumber !== null) {
      this.#offset += hexNumber[0].length;
      const digits = hexNumber[1] ?? '';
      return Buffer.from(digits.length % 2 === 0 ? digits : `0${digits}`, 'hex');
    }
    const bits = /^(?:B'([01]*)'|0b([01]+)\b)/i.exec(remaining);
    if (bits !== null) {
      this.#offset += bits[0].length;
      return bitsToBytes(bits[1] ?? bits[2] ?? '');
    }
    const quote = remaining.charAt(0);
    if (quote === "'" || quote === '"') return this.#readQuoted(quote);
    return null;
  }

  /** A quoted string: the quote doubled or backslash-escaped stands for itself (MySQL's default escapes). */
  #readQuoted(quote: string): Buffer | null {
    let value = '';
    let index = this.#offset + 1;
    while (index < this.#text.length) {
      const character = this.#text.charAt(index);
      if (character === quote) {
        if (this.#text.charAt(index + 1) === quote) {
          value += quote;
          index += 2;
          continue;
        }
        this.#offset = index + 1;
        return Buffer.from(value, 'utf8');
      }
      if (character === '\\' && index + 1 < this.#text.length) {
        value += unescapeCharacter(this.#text.charAt(index + 1));
        index += 2;
        continue;
      }
      value += character;
      index += 1;
    }
    return null;
  }

  #readNumber(): number | null {
    this.#skipSpace();
    const number = /^(?:0x([0-9A-Fa-f]+)|(\d+))\b/.exec(this.#text.slice(this.#offset));
    if (number === null) return null;
    this.#offset += number[0].length;
    const value = number[1] === undefined ? Number(number[2]) : Number.parseInt(number[1], 16);
    return Number.isSafeInteger(value) ? value : null;
  }
}

const escapedCharacters: Readonly<Record<string, string>> = {
  '0': '\0',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\x1a',
  // Outside LIKE patterns the server keeps the backslash of \% and \_.
  '%': '\\%',
  _: '\\_',
};

function unescapeCharacter(character: string): string {
  return escapedCharacters[character] ?? character;
}

function bitsToBytes(bits: string): Buffer {
  const padded = bits.padStart(Math.ceil(bits.length / 8) * 8, '0');
  const bytes: number[] = [];
  for (let index = 0; index < padded.length; index += 8)
    bytes.push(Number.parseInt(padded.slice(index, index + 8), 2));
  return Buffer.from(bytes);
}
