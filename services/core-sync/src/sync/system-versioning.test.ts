import { describe, expect, it } from 'vitest';
import { BinlogPosition, type Row, type SourceTransaction, type SystemPeriod } from '../model/index.js';
import { currentVersionChange, currentVersionChanges, isCurrentVersion } from './system-versioning.js';

const period: SystemPeriod = { rowStart: 'row_start', rowEnd: 'row_end', byTransaction: false };
const current = '2038-01-19 03:14:07.999999';
const ended = '2026-12-07 04:22:57.691588';

function version(id: number, name: string, rowEnd: string): Row {
  return { id, name, row_start: '2026-12-07 04:22:57.691274', row_end: rowEnd };
}

describe('system-versioned changes', () => {
  it('tells current rows from old versions by the row end', () => {
    expect(isCurrentVersion(version(1, 'a', current), period)).toBe(true);
    expect(isCurrentVersion(version(1, 'a', '2106-02-07 06:28:15.999999'), period)).toBe(true);
    expect(isCurrentVersion(version(1, 'a', ended), period)).toBe(false);
    expect(isCurrentVersion({ id: 1, name: 'a' }, period)).toBe(true);
    const byTransaction: SystemPeriod = { rowStart: 'trx_start', rowEnd: 'trx_end', byTransaction: true };
    expect(isCurrentVersion({ id: 1, trx_end: '18446744073709551615' }, byTransaction)).toBe(true);
    expect(isCurrentVersion({ id: 1, trx_end: 1364 }, byTransaction)).toBe(false);
  });

  it('keeps what happens to current rows, without the period columns', () => {
    const table = 'items';
    // INSERT
    expect(
      currentVersionChange({ kind: 'insert', table, before: null, after: version(1, 'a', current) }, period),
    ).toEqual({ kind: 'insert', table, before: null, after: { id: 1, name: 'a' } });
    // UPDATE: the current row changes; the old version is inserted as a row of its own (dropped).
    expect(
      currentVersionChange(
        { kind: 'update', table, before: version(1, 'a', current), after: version(1, 'b', current) },
        period,
      ),
    ).toEqual({ kind: 'update', table, before: { id: 1, name: 'a' }, after: { id: 1, name: 'b' } });
    expect(
      currentVersionChange({ kind: 'insert', table, before: null, after: version(1, 'a', ended) }, period),
    ).toBeNull();
    // DELETE: an update that ends the row's period.
    expect(
      currentVersionChange(
        { kind: 'update', table, before: version(1, 'b', current), after: version(1, 'b', ended) },
        period,
      ),
    ).toEqual({ kind: 'delete', table, before: { id: 1, name: 'b' }, after: null });
    // DELETE HISTORY
    expect(
      currentVersionChange({ kind: 'delete', table, before: version(1, 'a', ended), after: null }, period),
    ).toBeNull();
    expect(
      currentVersionChange({ kind: 'delete', table, before: version(2, 'c', current), after: null }, period),
    ).toEqual({ kind: 'delete', table, before: { id: 2, name: 'c' }, after: null });
  });

  it('rewrites only the changes of versioned tables, and leaves other transactions as they are', () => {
    const transaction: SourceTransaction = {
      source: 'local',
      commitPosition: new BinlogPosition('binlog.000001', 400),
      commitTimestamp: 0,
      changes: [
        { kind: 'update', table: 'items', before: version(1, 'a', current), after: version(1, 'b', current) },
        { kind: 'insert', table: 'items', before: null, after: version(1, 'a', ended) },
        { kind: 'insert', table: 'plain', before: null, after: { id: 1, row_end: ended } },
      ],
    };
    const periods = new Map([['items', period]]);
    expect(currentVersionChanges(transaction, periods)).toEqual({
      ...transaction,
      changes: [
        { kind: 'update', table: 'items', before: { id: 1, name: 'a' }, after: { id: 1, name: 'b' } },
        { kind: 'insert', table: 'plain', before: null, after: { id: 1, row_end: ended } },
      ],
    });
    const untouched = { ...transaction, changes: transaction.changes.slice(2) };
    expect(currentVersionChanges(untouched, periods)).toBe(untouched);
    expect(currentVersionChanges(transaction, new Map())).toBe(transaction);
  });
});
