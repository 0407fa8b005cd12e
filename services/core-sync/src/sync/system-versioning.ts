/**
 * What the binlog changes of a MariaDB system-versioned table mean for the target. The server keeps every old
 * version of a row as a row of its own, and logs it as such:
 * - an UPDATE is an update of the current row plus an insert of the old version (its period ended);
 * - a DELETE is an update that ends the current row's period (it becomes an old version);
 * - DELETE HISTORY deletes old versions.
 * Only current rows are synced: a row image whose period has ended is an old version, and counts as no row at all.
 * So an insert of an old version is dropped, an update that ends a row's period is a delete of the row, and a
 * delete of an old version is dropped. The period columns are removed from every image: each server writes its
 * own (a versioned target keeps its own history of what the service applies; a target without versioning holds
 * the current rows only).
 */
import type { Row, RowChange, SourceTransaction, SystemPeriod } from '../model/index.js';

/**
 * Row ends of current rows, as the canonical form reads them: the greatest TIMESTAMP(6) (MariaDB before 11.5),
 * the greatest 64-bit one (11.5+ on 64-bit builds) and, for transaction-precise versioning, the greatest
 * transaction id.
 */
const currentRowEnds: ReadonlySet<string> = new Set([
  '2038-01-19 03:14:07.999999',
  '2106-02-07 06:28:15.999999',
  '18446744073709551615',
]);

/** True when the image is a current row (also when it has no row end: the table was not versioned when logged). */
export function isCurrentVersion(row: Row, period: SystemPeriod): boolean {
  if (!Object.hasOwn(row, period.rowEnd)) return true;
  const rowEnd = row[period.rowEnd];
  return rowEnd !== null && rowEnd !== undefined && currentRowEnds.has(String(rowEnd));
}

function withoutPeriod(row: Row, period: SystemPeriod): Row {
  const current: Row = {};
  for (const column in row) {
    if (column !== period.rowStart && column !== period.rowEnd) current[column] = row[column] ?? null;
  }
  return current;
}

/** The change to the table's current rows, without period columns; null when it changes no current row. */
export function currentVersionChange(change: RowChange, period: SystemPeriod): RowChange | null {
  const before =
    change.before !== null && isCurrentVersion(change.before, period)
      ? withoutPeriod(change.before, period)
      : null;
  const after =
    change.after !== null && isCurrentVersion(change.after, period)
      ? withoutPeriod(change.after, period)
      : null;
  if (before === null && after === null) return null;
  if (before === null) return { kind: 'insert', table: change.table, before: null, after };
  if (after === null) return { kind: 'delete', table: change.table, before, after: null };
  return { kind: 'update', table: change.table, before, after };
}

/**
 * The transaction with the changes of system-versioned tables (`periods`, by table) turned into changes of their
 * current rows; the same object when it touches none.
 */
export function currentVersionChanges(
  transaction: SourceTransaction,
  periods: ReadonlyMap<string, SystemPeriod>,
): SourceTransaction {
  if (periods.size === 0 || !transaction.changes.some((change) => periods.has(change.table))) {
    return transaction;
  }
  const changes: RowChange[] = [];
  for (const change of transaction.changes) {
    const period = periods.get(change.table);
    const current = period === undefined ? change : currentVersionChange(change, period);
    if (current !== null) changes.push(current);
  }
  return { ...transaction, changes };
}
