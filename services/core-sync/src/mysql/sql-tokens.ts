/**
 * The tokens of an SQL statement, enough to read the head of a DDL statement without a full grammar: words,
 * quoted identifiers, string literals (as one symbol token) and single symbols, each with where it stands in the
 * statement, so a reader can name the tables a statement changes (binlog/ddl-parser.ts) and a writer can rewrite
 * a name in place (target/schema-change-statement.ts).
 */

export interface QualifiedTable {
  readonly database: string;
  readonly table: string;
}

export interface Token {
  readonly kind: 'word' | 'quoted' | 'symbol';
  /** A quoted identifier's name without its quotes; a string literal's token is `'`. */
  readonly text: string;
  /** Where the token starts and ends (exclusive) in the statement. */
  readonly start: number;
  readonly end: number;
}

const wordPattern = /[\p{L}\p{N}_$]/u;

function skipComment(statement: string, index: number): number {
  const pair = statement.slice(index, index + 2);
  if (pair === '/*') {
    const end = statement.indexOf('*/', index + 2);
    return end === -1 ? statement.length : end + 2;
  }
  if (pair === '--' || statement[index] === '#') {
    const end = statement.indexOf('\n', index);
    return end === -1 ? statement.length : end + 1;
  }
  return index;
}

/**
 * Reads a quoted identifier or string from its opening quote: a doubled quote stands for one; in a string
 * (`backslashEscapes`, the server's default sql_mode) a backslash escapes the next character, so `'it\'s'` ends
 * where the server ends it.
 */
function readQuoted(
  statement: string,
  start: number,
  backslashEscapes = false,
): { text: string; end: number } {
  const quote = statement[start] ?? '`';
  let text = '';
  let index = start + 1;
  while (index < statement.length) {
    const character = statement[index] ?? '';
    if (backslashEscapes && character === '\\') {
      text += statement.slice(index, index + 2);
      index += 2;
      continue;
    }
    if (character === quote) {
      if (statement[index + 1] === quote) {
        text += quote;
        index += 2;
        continue;
      }
      return { text, end: index + 1 };
    }
    text += character;
    index += 1;
  }
  return { text, end: index };
}

/**
 * Words, quoted identifiers (backticks, or double quotes under ANSI_QUOTES) and single symbols; no comments.
 * `backslashEscapes`: whether a backslash escapes the next character in a string literal (false: the statement
 * ran in a session whose sql_mode had NO_BACKSLASH_ESCAPES).
 */
export function tokenize(statement: string, backslashEscapes = true): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  /** Inside a versioned comment (`/*!50100 … *\/`, MariaDB's `/*M!100100 … *\/`), which the server runs as code. */
  let versioned = false;
  while (index < statement.length) {
    const executable = /^\/\*M?!\d*/.exec(statement.slice(index, index + 12));
    if (executable !== null) {
      versioned = true;
      index += executable[0].length;
      continue;
    }
    if (versioned && statement.startsWith('*/', index)) {
      versioned = false;
      index += 2;
      continue;
    }
    const afterComment = skipComment(statement, index);
    if (afterComment !== index) {
      index = afterComment;
      continue;
    }
    const character = statement[index] ?? '';
    if (/\s/.test(character)) {
      index += 1;
    } else if (character === '`' || character === '"') {
      const quoted = readQuoted(statement, index);
      tokens.push({ kind: 'quoted', text: quoted.text, start: index, end: quoted.end });
      index = quoted.end;
    } else if (character === "'") {
      const end = readQuoted(statement, index, backslashEscapes).end;
      tokens.push({ kind: 'symbol', text: "'", start: index, end });
      index = end;
    } else if (wordPattern.test(character)) {
      let end = index + 1;
      while (end < statement.length && wordPattern.test(statement[end] ?? '')) end += 1;
      tokens.push({ kind: 'word', text: statement.slice(index, end), start: index, end });
      index = end;
    } else {
      tokens.push({ kind: 'symbol', text: character, start: index, end: index + 1 });
      index += 1;
    }
  }
  return tokens;
}

/** A qualified table name as read, with the token of its database when the statement named one. */
export interface NamedTable extends QualifiedTable {
  readonly databaseToken: Token | undefined;
  readonly tableToken: Token;
}

export class TokenCursor {
  readonly #tokens: readonly Token[];
  #index = 0;

  constructor(tokens: readonly Token[]) {
    this.#tokens = tokens;
  }

  get done(): boolean {
    return this.#index >= this.#tokens.length;
  }

  /** The next token, not consumed. */
  peek(): Token | undefined {
    return this.#tokens[this.#index];
  }

  /** Consumes the next token when it is one of these keywords (case-insensitive); returns it. */
  acceptWord<Keyword extends string>(...keywords: Keyword[]): Keyword | undefined {
    const token = this.#tokens[this.#index];
    if (token?.kind !== 'word') return undefined;
    const upper = token.text.toUpperCase();
    const keyword = keywords.find((candidate) => candidate === upper);
    if (keyword !== undefined) this.#index += 1;
    return keyword;
  }

  /** Consumes a sequence of keywords, all or nothing. */
  acceptWords(...keywords: string[]): boolean {
    const start = this.#index;
    for (const keyword of keywords) {
      if (this.acceptWord(keyword) === undefined) {
        this.#index = start;
        return false;
      }
    }
    return true;
  }

  acceptSymbol(symbol: string): boolean {
    const token = this.#tokens[this.#index];
    if (token?.kind !== 'symbol' || token.text !== symbol) return false;
    this.#index += 1;
    return true;
  }

  /** Consumes `name` or `database.name`. */
  acceptTableName(defaultDatabase: string): QualifiedTable | undefined {
    const named = this.acceptNamedTable(defaultDatabase);
    return named === undefined ? undefined : { database: named.database, table: named.table };
  }

  /** Consumes `name` or `database.name`, keeping the database's token (see NamedTable). */
  acceptNamedTable(defaultDatabase: string): NamedTable | undefined {
    const first = this.#identifier();
    if (first === undefined) return undefined;
    if (!this.acceptSymbol('.')) {
      return { database: defaultDatabase, table: first.text, databaseToken: undefined, tableToken: first };
    }
    const second = this.#identifier();
    return second === undefined
      ? undefined
      : { database: first.text, table: second.text, databaseToken: first, tableToken: second };
  }

  /** Skips tokens up to and including the next top-level comma; returns false when there is none. */
  skipToNextListItem(): boolean {
    return this.#skipPastComma(false);
  }

  /**
   * Inside a parenthesised list (its `(` consumed): skips to the next item, returning true, or past the closing
   * `)`, returning false.
   */
  skipToNextInGroup(): boolean {
    return this.#skipPastComma(true);
  }

  /** Skips past the next comma at this depth (true), or to the end (false); `inGroup`: also past the `)` closing it. */
  #skipPastComma(inGroup: boolean): boolean {
    let depth = 0;
    while (!this.done) {
      const token = this.#tokens[this.#index];
      this.#index += 1;
      if (token?.kind !== 'symbol') continue;
      if (token.text === '(') depth += 1;
      else if (token.text === ')') {
        if (inGroup && depth === 0) return false;
        depth -= 1;
      } else if (token.text === ',' && depth === 0) return true;
    }
    return false;
  }

  /** Skips one identifier (an index name, a column name); returns its name. */
  skipIdentifier(): string | undefined {
    return this.#identifier()?.text;
  }

  #identifier(): Token | undefined {
    const token = this.#tokens[this.#index];
    if (token === undefined || token.kind === 'symbol') return undefined;
    this.#index += 1;
    return token;
  }
}
