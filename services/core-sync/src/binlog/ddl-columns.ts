/**
 * The columns an ALTER TABLE statement takes away from its table and the ones it adds:
 * - taken away: dropped (`DROP [COLUMN] [IF EXISTS] c`) or renamed (`RENAME COLUMN c TO d`, `CHANGE [COLUMN]
 *   [IF EXISTS] c d …` with another name);
 * - added: `ADD [COLUMN] [IF NOT EXISTS] c …`, `ADD [COLUMN] (c …, d …)`, and a rename's new name.
 * In bidirectional sync a row the other side wrote before it had the statement still has the old columns: a
 * renamed one's value is written under its new name, a dropped one is left out, and no other column is
 * (apply/target-columns.ts). Only the statement's head and its list items are read, as in ddl-parser.ts.
 */
import { TokenCursor, tokenize } from '../mysql/index.js';

/** A column a statement took away: dropped (`renamedTo` null) or renamed. */
export interface RemovedColumn {
  readonly name: string;
  readonly renamedTo: string | null;
}

export interface ColumnChanges {
  readonly removed: readonly RemovedColumn[];
  readonly added: readonly string[];
}

/** What may follow DROP or ADD in an ALTER TABLE list item without naming a column. */
const otherThanColumns = [
  'INDEX',
  'KEY',
  'PRIMARY',
  'FOREIGN',
  'UNIQUE',
  'FULLTEXT',
  'SPATIAL',
  'CONSTRAINT',
  'CHECK',
  'PARTITION',
  'SYSTEM',
  'PERIOD',
  'DEFAULT',
];

const noChanges: ColumnChanges = { removed: [], added: [] };

/** The columns the statement drops, renames and adds (names as written), in order; none for other statements. */
export function columnChangesOf(statement: string): ColumnChanges {
  const cursor = new TokenCursor(tokenize(statement));
  if (cursor.acceptWord('ALTER') === undefined) return noChanges;
  cursor.acceptWord('ONLINE');
  cursor.acceptWord('IGNORE');
  if (cursor.acceptWord('TABLE') === undefined) return noChanges;
  cursor.acceptWords('IF', 'EXISTS');
  if (cursor.acceptTableName('') === undefined) return noChanges;
  const removed: RemovedColumn[] = [];
  const added: string[] = [];
  const renamed = (from: string | undefined, to: string | undefined): void => {
    if (from === undefined || to === undefined || from.toLowerCase() === to.toLowerCase()) return;
    removed.push({ name: from, renamedTo: to });
    added.push(to);
  };
  for (;;) {
    const verb = cursor.acceptWord('ADD', 'DROP', 'RENAME', 'CHANGE');
    if (verb === 'DROP' && cursor.acceptWord(...otherThanColumns) === undefined) {
      cursor.acceptWord('COLUMN');
      cursor.acceptWords('IF', 'EXISTS');
      const column = cursor.skipIdentifier();
      if (column !== undefined) removed.push({ name: column, renamedTo: null });
    } else if (verb === 'ADD' && cursor.acceptWord(...otherThanColumns) === undefined) {
      cursor.acceptWord('COLUMN');
      cursor.acceptWords('IF', 'NOT', 'EXISTS');
      added.push(...addedColumns(cursor));
    } else if (verb === 'RENAME' && cursor.acceptWord('COLUMN') !== undefined) {
      const from = cursor.skipIdentifier();
      renamed(from, cursor.acceptWord('TO') === undefined ? undefined : cursor.skipIdentifier());
    } else if (verb === 'CHANGE') {
      cursor.acceptWord('COLUMN');
      cursor.acceptWords('IF', 'EXISTS');
      renamed(cursor.skipIdentifier(), cursor.skipIdentifier());
    }
    if (!cursor.skipToNextListItem()) return { removed, added };
  }
}

/** `c …` or `(c …, d …)` after ADD [COLUMN]: the names of the columns added. */
function addedColumns(cursor: TokenCursor): string[] {
  if (!cursor.acceptSymbol('(')) {
    const column = cursor.skipIdentifier();
    return column === undefined ? [] : [column];
  }
  const columns: string[] = [];
  do {
    const column = cursor.skipIdentifier();
    if (column !== undefined) columns.push(column);
  } while (cursor.skipToNextInGroup());
  return columns;
}
