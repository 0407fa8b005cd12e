/**
 * The columns an ALTER TABLE statement takes away from its table: dropped (`DROP [COLUMN] [IF EXISTS] c`) or
 * renamed (`RENAME COLUMN c TO d`, `CHANGE [COLUMN] [IF EXISTS] c d …` with another name). In bidirectional sync a
 * row the other side wrote before it had the statement still has those columns: a renamed one's value is written
 * under its new name, a dropped one is left out, and no other column is (apply/target-columns.ts). Only the statement's head and its list items are read, as in
 * ddl-parser.ts.
 */
import { TokenCursor, tokenize } from '../mysql/index.js';

/** What may follow DROP in an ALTER TABLE list item without naming a column. */
const droppedOtherThanColumns = [
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

/** A column a statement took away: dropped (`renamedTo` null) or renamed. */
export interface RemovedColumn {
  readonly name: string;
  readonly renamedTo: string | null;
}

/** The columns the statement drops or renames (names as written), in order; none for other statements. */
export function columnsRemovedBy(statement: string): RemovedColumn[] {
  const cursor = new TokenCursor(tokenize(statement));
  if (cursor.acceptWord('ALTER') === undefined) return [];
  cursor.acceptWord('ONLINE');
  cursor.acceptWord('IGNORE');
  if (cursor.acceptWord('TABLE') === undefined) return [];
  cursor.acceptWords('IF', 'EXISTS');
  if (cursor.acceptTableName('') === undefined) return [];
  const removed: RemovedColumn[] = [];
  do {
    const verb = cursor.acceptWord('DROP', 'RENAME', 'CHANGE');
    if (verb === 'DROP' && cursor.acceptWord(...droppedOtherThanColumns) === undefined) {
      cursor.acceptWord('COLUMN');
      cursor.acceptWords('IF', 'EXISTS');
      const column = cursor.skipIdentifier();
      if (column !== undefined) removed.push({ name: column, renamedTo: null });
    } else if (verb === 'RENAME' && cursor.acceptWord('COLUMN') !== undefined) {
      const from = cursor.skipIdentifier();
      const to = cursor.acceptWord('TO') === undefined ? undefined : cursor.skipIdentifier();
      if (from !== undefined && to !== undefined) removed.push({ name: from, renamedTo: to });
    } else if (verb === 'CHANGE') {
      cursor.acceptWord('COLUMN');
      cursor.acceptWords('IF', 'EXISTS');
      const from = cursor.skipIdentifier();
      const to = cursor.skipIdentifier();
      if (from !== undefined && to !== undefined && from.toLowerCase() !== to.toLowerCase()) {
        removed.push({ name: from, renamedTo: to });
      }
    }
  } while (cursor.skipToNextListItem());
  return removed;
}
