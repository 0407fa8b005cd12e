/**
 * Finds the tables a DDL statement from a binlog QUERY event changes: ALTER, DROP, RENAME, TRUNCATE and CREATE
 * TABLE, CREATE/DROP INDEX … ON. Only the head of the statement is read (no full SQL grammar): enough to name the
 * tables, which is all the binlog source needs to report a schema change in stream order.
 */

export interface QualifiedTable {
  readonly database: string;
  readonly table: string;
}

interface Token {
  readonly kind: 'word' | 'quoted' | 'symbol';
  readonly text: string;
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
  while (index < statement.length) {
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
      tokens.push({ kind: 'quoted', text: quoted.text });
      index = quoted.end;
    } else if (character === "'") {
      index = readQuoted(statement, index, backslashEscapes).end;
      tokens.push({ kind: 'symbol', text: "'" });
    } else if (wordPattern.test(character)) {
      let end = index + 1;
      while (end < statement.length && wordPattern.test(statement[end] ?? '')) end += 1;
      tokens.push({ kind: 'word', text: statement.slice(index, end) });
      index = end;
    } else {
      tokens.push({ kind: 'symbol', text: character });
      index += 1;
    }
  }
  return tokens;
}

class TokenCursor {
  readonly #tokens: readonly Token[];
  #index = 0;

  constructor(tokens: readonly Token[]) {
    this.#tokens = tokens;
  }

  get done(): boolean {
    return this.#index >= this.#tokens.length;
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
    const first = this.#identifier();
    if (first === undefined) return undefined;
    if (!this.acceptSymbol('.')) return { database: defaultDatabase, table: first };
    const second = this.#identifier();
    return second === undefined ? undefined : { database: first, table: second };
  }

  /** Skips tokens up to and including the next top-level comma; returns false when there is none. */
  skipToNextListItem(): boolean {
    let depth = 0;
    while (!this.done) {
      const token = this.#tokens[this.#index];
      this.#index += 1;
      if (token?.kind !== 'symbol') continue;
      if (token.text === '(') depth += 1;
      else if (token.text === ')') depth -= 1;
      else if (token.text === ',' && depth === 0) return true;
    }
    return false;
  }

  /** Skips one identifier (an index name, a column name). */
  skipIdentifier(): void {
    this.#identifier();
  }

  #identifier(): string | undefined {
    const token = this.#tokens[this.#index];
    if (token === undefined || token.kind === 'symbol') return undefined;
    this.#index += 1;
    return token.text;
  }
}

function alterTable(cursor: TokenCursor, defaultDatabase: string): QualifiedTable[] {
  cursor.acceptWord('ONLINE');
  cursor.acceptWord('IGNORE');
  if (cursor.acceptWord('TABLE') === undefined) return [];
  cursor.acceptWords('IF', 'EXISTS');
  const table = cursor.acceptTableName(defaultDatabase);
  if (table === undefined) return [];
  const touched = [table];
  // `ALTER TABLE a …, RENAME [TO|AS] b`: the new name is touched too (not RENAME COLUMN/INDEX/KEY).
  do {
    if (
      cursor.acceptWord('RENAME') !== undefined &&
      cursor.acceptWord('COLUMN', 'INDEX', 'KEY') === undefined
    ) {
      cursor.acceptWord('TO', 'AS');
      const renamed = cursor.acceptTableName(table.database);
      if (renamed !== undefined) touched.push(renamed);
    }
  } while (cursor.skipToNextListItem());
  return touched;
}

function tableList(cursor: TokenCursor, defaultDatabase: string): QualifiedTable[] {
  const tables: QualifiedTable[] = [];
  do {
    const table = cursor.acceptTableName(defaultDatabase);
    if (table === undefined) break;
    tables.push(table);
  } while (cursor.acceptSymbol(','));
  return tables;
}

function renameTable(cursor: TokenCursor, defaultDatabase: string): QualifiedTable[] {
  if (cursor.acceptWord('TABLE', 'TABLES') === undefined) return [];
  cursor.acceptWords('IF', 'EXISTS');
  const tables: QualifiedTable[] = [];
  do {
    const from = cursor.acceptTableName(defaultDatabase);
    if (from === undefined) break;
    tables.push(from);
    cursor.acceptWord('NOWAIT');
    if (cursor.acceptWord('WAIT') !== undefined) cursor.skipIdentifier();
    if (cursor.acceptWord('TO') === undefined) break;
    const to = cursor.acceptTableName(defaultDatabase);
    if (to === undefined) break;
    tables.push(to);
  } while (cursor.acceptSymbol(','));
  return tables;
}

function createStatement(cursor: TokenCursor, defaultDatabase: string): QualifiedTable[] {
  cursor.acceptWords('OR', 'REPLACE');
  cursor.acceptWord('ONLINE', 'OFFLINE');
  if (cursor.acceptWord('TEMPORARY') !== undefined) return [];
  if (cursor.acceptWord('TABLE') !== undefined) {
    cursor.acceptWords('IF', 'NOT', 'EXISTS');
    const table = cursor.acceptTableName(defaultDatabase);
    return table === undefined ? [] : [table];
  }
  cursor.acceptWord('UNIQUE', 'FULLTEXT', 'SPATIAL');
  if (cursor.acceptWord('INDEX') === undefined) return [];
  return indexTarget(cursor, defaultDatabase, ['IF', 'NOT', 'EXISTS']);
}

function indexTarget(cursor: TokenCursor, defaultDatabase: string, ifClause: string[]): QualifiedTable[] {
  cursor.acceptWord('ONLINE', 'OFFLINE');
  cursor.acceptWords(...ifClause);
  cursor.skipIdentifier();
  if (cursor.acceptWord('USING') !== undefined) cursor.skipIdentifier();
  if (cursor.acceptWord('ON') === undefined) return [];
  const table = cursor.acceptTableName(defaultDatabase);
  return table === undefined ? [] : [table];
}

function dropStatement(cursor: TokenCursor, defaultDatabase: string): QualifiedTable[] {
  if (cursor.acceptWord('TEMPORARY') !== undefined) return [];
  if (cursor.acceptWord('TABLE', 'TABLES') !== undefined) {
    cursor.acceptWords('IF', 'EXISTS');
    return tableList(cursor, defaultDatabase);
  }
  if (cursor.acceptWord('INDEX') !== undefined) return indexTarget(cursor, defaultDatabase, ['IF', 'EXISTS']);
  return [];
}

/**
 * The tables a DDL statement changes, qualified with `defaultDatabase` (the session database of the QUERY event)
 * where the statement does not name one. Empty for anything that is not table DDL (DML, GRANT, CREATE DATABASE…)
 * and for temporary tables.
 *
 * Where a string literal holds a backslash, the statement is read both ways (with and without backslash escapes)
 * and the tables either reading names are returned: the session's sql_mode decides which is right (`'C:\'` ends
 * at the second quote under NO_BACKSLASH_ESCAPES), and the QUERY event's status variables that carry it reach
 * the service decoded as text by the binlog library, not as bytes. A table named only by the wrong reading gets a
 * schema check that finds nothing changed; one missed would be streamed with a stale schema.
 */
export function tablesChangedByStatement(statement: string, defaultDatabase: string): QualifiedTable[] {
  const escaped = tablesNamedBy(tokenize(statement, true), defaultDatabase);
  if (!statement.includes('\\')) return escaped;
  const tables = new Map(escaped.map((table) => [JSON.stringify([table.database, table.table]), table]));
  for (const table of tablesNamedBy(tokenize(statement, false), defaultDatabase)) {
    tables.set(JSON.stringify([table.database, table.table]), table);
  }
  return [...tables.values()];
}

function tablesNamedBy(tokens: readonly Token[], defaultDatabase: string): QualifiedTable[] {
  const cursor = new TokenCursor(tokens);
  const verb = cursor.acceptWord('ALTER', 'DROP', 'RENAME', 'TRUNCATE', 'CREATE');
  switch (verb) {
    case 'ALTER':
      return alterTable(cursor, defaultDatabase);
    case 'DROP':
      return dropStatement(cursor, defaultDatabase);
    case 'RENAME':
      return renameTable(cursor, defaultDatabase);
    case 'TRUNCATE': {
      cursor.acceptWord('TABLE');
      const table = cursor.acceptTableName(defaultDatabase);
      return table === undefined ? [] : [table];
    }
    case 'CREATE':
      return createStatement(cursor, defaultDatabase);
    case undefined:
      return [];
  }
}

/**
 * Whether a DDL statement may replace the rows of the tables it names without row events: TRUNCATE, DROP, RENAME
 * and CREATE OR REPLACE TABLE, and an ALTER TABLE that renames the table, truncates, drops or exchanges a
 * partition, discards or imports a tablespace, or adds or drops the primary key (a key then names other rows).
 * Other DDL (a column added, an index, a plain CREATE TABLE) keeps every row under its key. Read like
 * `tablesChangedByStatement`, both ways when a string holds a backslash: either reading that says so counts.
 */
export function replacesTableContents(statement: string): boolean {
  if (replacesContents(tokenize(statement, true))) return true;
  return statement.includes('\\') && replacesContents(tokenize(statement, false));
}

function replacesContents(tokens: readonly Token[]): boolean {
  const cursor = new TokenCursor(tokens);
  const verb = cursor.acceptWord('ALTER', 'DROP', 'RENAME', 'TRUNCATE', 'CREATE');
  switch (verb) {
    case 'TRUNCATE':
      return true;
    case 'DROP':
    case 'RENAME':
      return cursor.acceptWord('TABLE', 'TABLES') !== undefined;
    case 'CREATE':
      // A plain CREATE TABLE finds no table to replace (its DROP or RENAME is logged on its own).
      return cursor.acceptWords('OR', 'REPLACE') && cursor.acceptWord('TABLE') !== undefined;
    case 'ALTER':
      return alterReplacesContents(cursor);
    case undefined:
      return false;
  }
}

function alterReplacesContents(cursor: TokenCursor): boolean {
  cursor.acceptWord('ONLINE');
  cursor.acceptWord('IGNORE');
  if (cursor.acceptWord('TABLE') === undefined) return false;
  cursor.acceptWords('IF', 'EXISTS');
  if (cursor.acceptTableName('') === undefined) return false;
  do {
    if (alterItemReplacesContents(cursor)) return true;
  } while (cursor.skipToNextListItem());
  return false;
}

/** One item of an ALTER TABLE list, read from its first words. */
function alterItemReplacesContents(cursor: TokenCursor): boolean {
  switch (cursor.acceptWord('RENAME', 'TRUNCATE', 'EXCHANGE', 'DROP', 'DISCARD', 'IMPORT', 'ADD')) {
    case 'RENAME':
      return cursor.acceptWord('COLUMN', 'INDEX', 'KEY') === undefined;
    case 'TRUNCATE':
    case 'EXCHANGE':
    case 'DISCARD':
    case 'IMPORT':
      return true;
    case 'DROP':
      return cursor.acceptWord('PARTITION', 'PRIMARY') !== undefined;
    case 'ADD':
      if (cursor.acceptWord('CONSTRAINT') !== undefined) {
        if (cursor.acceptWord('PRIMARY') !== undefined) return true;
        cursor.skipIdentifier();
      }
      return cursor.acceptWord('PRIMARY') !== undefined;
    case undefined:
      return false;
  }
}
