/**
 * A source's DDL statement as the service runs it on the target: names qualified with the source's database
 * name the target's instead, and a leading comment marks it as the service's own. Both servers keep the comment
 * in the binlog, so the other direction's reader recognises the statement as an echo and does not send it back
 * (a DDL statement cannot carry the checkpoint-table row that marks the service's other transactions).
 */
import type { BinlogPosition, SideName } from '../model/index.js';
import { TokenCursor, quoteIdentifier, tokenize, type Token } from '../mysql/index.js';

const markerPattern = /^\s*\/\* mysql-sync: applied from (local|cloud)(?: at [^*]*)? \*\//;

/**
 * The comment the statement the service applies starts with; with the source position of the statement, so a
 * restart can tell its own statement still running on the target (schema-change-ledger.ts).
 */
export function appliedStatementMarker(source: SideName, position?: BinlogPosition): string {
  const at = position === undefined ? '' : ` at ${position.file}:${position.offset}`;
  return `/* mysql-sync: applied from ${source}${at} */`;
}

/** The side a statement was applied from by the service, or undefined when it is not the service's own. */
export function appliedFrom(statement: string): SideName | undefined {
  const match = markerPattern.exec(statement);
  return match === null ? undefined : (match[1] as SideName);
}

/**
 * The statement to run on the target: marked, with every `sourceDatabase.` qualifier (the table's, a foreign
 * key's referenced table's) naming `targetDatabase`. An unqualified name resolves in the session's database,
 * which is the target's. Throws when the two readings of a string holding a backslash (the source session may have
 * had NO_BACKSLASH_ESCAPES) would rewrite it differently: the statement cannot be carried over safely.
 */
export function statementForTarget(
  statement: string,
  source: SideName,
  sourceDatabase: string,
  targetDatabase: string,
  position?: BinlogPosition,
): string {
  const rewritten = rewriteQualifiers(statement, tokenize(statement, true), sourceDatabase, targetDatabase);
  if (
    statement.includes('\\') &&
    rewriteQualifiers(statement, tokenize(statement, false), sourceDatabase, targetDatabase) !== rewritten
  ) {
    throw new RangeError(
      'the statement reads differently with and without NO_BACKSLASH_ESCAPES, so its database names cannot be rewritten safely',
    );
  }
  return `${appliedStatementMarker(source, position)} ${rewritten.trim()}`;
}

function rewriteQualifiers(
  statement: string,
  tokens: readonly Token[],
  sourceDatabase: string,
  targetDatabase: string,
): string {
  if (sourceDatabase === targetDatabase) return statement;
  let rewritten = '';
  let copiedUpTo = 0;
  tokens.forEach((token, index) => {
    const next = tokens[index + 1];
    const previous = tokens[index - 1];
    const qualifies =
      token.kind !== 'symbol' &&
      token.text === sourceDatabase &&
      next?.kind === 'symbol' &&
      next.text === '.' &&
      !(previous?.kind === 'symbol' && previous.text === '.');
    if (!qualifies) return;
    rewritten += statement.slice(copiedUpTo, token.start) + quoteIdentifier(targetDatabase);
    copiedUpTo = token.end;
  });
  return rewritten + statement.slice(copiedUpTo);
}

/**
 * An `ALTER TABLE` of an online schema change tool's shadow table (`ALTER TABLE _items_new ADD …`) as the same
 * change of the table it copies (`ALTER TABLE items ADD …`), the database qualifier kept. Throws when the statement
 * is not an ALTER TABLE of `shadowTable`.
 */
export function alterOfShadowAsTable(statement: string, shadowTable: string, table: string): string {
  const cursor = new TokenCursor(tokenize(statement, true));
  const altered = cursor.acceptWord('ALTER') !== undefined;
  cursor.acceptWord('ONLINE');
  cursor.acceptWord('IGNORE');
  const named = altered && cursor.acceptWord('TABLE') !== undefined ? cursor.acceptNamedTable('') : undefined;
  if (named?.table !== shadowTable) {
    throw new RangeError(`not an ALTER TABLE of ${shadowTable}: ${statement.slice(0, 200)}`);
  }
  const { start, end } = named.tableToken;
  return `${statement.slice(0, start)}${quoteIdentifier(table)}${statement.slice(end)}`;
}
