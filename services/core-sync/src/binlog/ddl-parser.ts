/**
 * Finds the tables a DDL statement from a binlog QUERY event changes: ALTER, DROP, RENAME, TRUNCATE and CREATE
 * TABLE, CREATE/DROP INDEX … ON. Only the head of the statement is read (no full SQL grammar): enough to name the
 * tables, which is all the binlog source needs to report a schema change in stream order.
 */

import { TokenCursor, tokenize, type QualifiedTable, type Token } from '../mysql/index.js';

export type { QualifiedTable };

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

/** The statements the service replicates to the other side (`sync.ddl: replicate`). */
export type ReplicatedStatement = 'ALTER TABLE' | 'CREATE INDEX' | 'DROP INDEX' | 'TRUNCATE';

/**
 * What to do with a DDL statement on a synced table: replicate it (the target can run the same statement and
 * keep every row under its key), or pause the table, with why (the statement drops, renames or replaces the
 * table, or changes rows without row events in a way the target's copy may not match).
 */
export type SchemaChangeClass =
  | { readonly replicable: true; readonly statement: ReplicatedStatement }
  | { readonly replicable: false; readonly reason: string };

/** Classifies a DDL statement; read both ways when a string holds a backslash, and either pause wins. */
export function classifySchemaChange(statement: string): SchemaChangeClass {
  const escaped = classifyTokens(tokenize(statement, true));
  if (!escaped.replicable || !statement.includes('\\')) return escaped;
  return classifyTokens(tokenize(statement, false));
}

function classifyTokens(tokens: readonly Token[]): SchemaChangeClass {
  const cursor = new TokenCursor(tokens);
  const verb = cursor.acceptWord('ALTER', 'DROP', 'RENAME', 'TRUNCATE', 'CREATE');
  switch (verb) {
    case 'TRUNCATE':
      return { replicable: true, statement: 'TRUNCATE' };
    case 'RENAME':
      return pause('RENAME TABLE renames a synced table');
    case 'DROP':
      if (cursor.acceptWord('INDEX') !== undefined) return { replicable: true, statement: 'DROP INDEX' };
      return pause('DROP TABLE drops a synced table');
    case 'CREATE':
      cursor.acceptWords('OR', 'REPLACE');
      cursor.acceptWord('ONLINE', 'OFFLINE');
      cursor.acceptWord('UNIQUE', 'FULLTEXT', 'SPATIAL');
      if (cursor.acceptWord('INDEX') !== undefined) return { replicable: true, statement: 'CREATE INDEX' };
      return pause('CREATE TABLE replaces a synced table');
    case 'ALTER':
      return classifyAlter(cursor);
    case undefined:
      return pause('the statement is not one the service can replicate');
  }
}

function pause(reason: string): SchemaChangeClass {
  return { replicable: false, reason };
}

function classifyAlter(cursor: TokenCursor): SchemaChangeClass {
  cursor.acceptWord('ONLINE');
  cursor.acceptWord('IGNORE');
  if (cursor.acceptWord('TABLE') === undefined) return pause('only ALTER TABLE is replicated');
  cursor.acceptWords('IF', 'EXISTS');
  if (cursor.acceptTableName('') === undefined)
    return pause('the ALTER TABLE names no table the service can read');
  do {
    const reason = alterItemPauseReason(cursor);
    if (reason !== undefined) return pause(reason);
  } while (cursor.skipToNextListItem());
  return { replicable: true, statement: 'ALTER TABLE' };
}

/** Why one item of an ALTER TABLE list cannot be replicated, read from its first words; undefined when it can. */
function alterItemPauseReason(cursor: TokenCursor): string | undefined {
  const action = cursor.acceptWord(
    'RENAME',
    'TRUNCATE',
    'EXCHANGE',
    'DROP',
    'DISCARD',
    'IMPORT',
    'COALESCE',
    'REORGANIZE',
    'REBUILD',
    'REMOVE',
  );
  switch (action) {
    case 'RENAME':
      return cursor.acceptWord('COLUMN', 'INDEX', 'KEY') === undefined
        ? 'ALTER TABLE … RENAME renames a synced table'
        : undefined;
    case 'DROP':
      return cursor.acceptWord('PARTITION') === undefined
        ? undefined
        : 'ALTER TABLE … DROP PARTITION deletes rows without row events';
    case 'TRUNCATE':
    case 'EXCHANGE':
    case 'COALESCE':
    case 'REORGANIZE':
    case 'REBUILD':
    case 'REMOVE':
      return `ALTER TABLE … ${action} PARTITION works on partitions, whose layout may differ on the other side`;
    case 'DISCARD':
    case 'IMPORT':
      return `ALTER TABLE … ${action} TABLESPACE replaces the table's data files`;
    case undefined:
      return undefined;
  }
}

/**
 * The table an online schema change tool's shadow copy belongs to: `_items_new` (pt-online-schema-change, with
 * more leading underscores when that name was taken) and `_items_gho` (gh-ost) copy `items`; undefined for any
 * other name.
 */
export function shadowTableBase(name: string): string | undefined {
  return /^_+(.+)_(?:new|gho)$/s.exec(name)?.[1];
}

/** One `from TO to` pair of a RENAME TABLE statement, in statement order; empty for any other statement. */
export function renamedTables(
  statement: string,
  defaultDatabase: string,
): { from: QualifiedTable; to: QualifiedTable }[] {
  const cursor = new TokenCursor(tokenize(statement, true));
  if (cursor.acceptWord('RENAME') === undefined) return [];
  const tables = renameTable(cursor, defaultDatabase);
  const pairs: { from: QualifiedTable; to: QualifiedTable }[] = [];
  for (let index = 0; index + 1 < tables.length; index += 2) {
    pairs.push({ from: tables[index] as QualifiedTable, to: tables[index + 1] as QualifiedTable });
  }
  return pairs;
}
