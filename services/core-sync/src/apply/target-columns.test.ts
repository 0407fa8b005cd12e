import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinlogPosition, type Row, type TableSchema } from '../model/index.js';
import type { QueuedWrite } from './queued-write.js';
import { rowOnColumns, writesOnTargetColumns } from './target-columns.js';

const columnName = fc.constantFrom('id', 'name', 'color', 'stock', 'note');
const rowArbitrary = fc.dictionary(columnName, fc.oneof(fc.integer(), fc.string(), fc.constant(null)));

describe('rows on the target columns', () => {
  it('keeps exactly the columns the target has, with their values, and returns the row itself when nothing is left out', () => {
    fc.assert(
      fc.property(rowArbitrary, fc.uniqueArray(columnName), (row: Row, targetColumns: string[]) => {
        const columns = new Set(targetColumns);
        const projected = rowOnColumns(row, columns);
        expect(Object.keys(projected).sort()).toEqual(
          Object.keys(row)
            .filter((column) => columns.has(column))
            .sort(),
        );
        for (const column of Object.keys(projected)) expect(projected[column]).toBe(row[column]);
        if (Object.keys(row).every((column) => columns.has(column))) expect(projected).toBe(row);
      }),
    );
  });

  const schema = {
    name: 'items',
    columns: [{ name: 'id' }, { name: 'name' }, { name: 'Renamed' }],
    primaryKey: ['id'],
  } as unknown as TableSchema;

  function queued(row: Row, before: Row | null): QueuedWrite {
    return {
      operation: { kind: 'upsert', table: 'items', keyText: '1', row, before },
      sequence: 1,
      commitPosition: new BinlogPosition('binlog.000001', 4),
      commitTimestamp: 0,
    };
  }

  it('writes both images on the target: a column the target side renamed under its new name, one it dropped left out', () => {
    const removed = new Map([
      ['dropped', null],
      ['old', 'middle'],
      ['middle', 'renamed'],
    ]);
    const write = queued(
      { id: 1, name: 'lamp', dropped: 'x', old: 7 },
      { id: 1, name: 'old', dropped: 'y', old: 6 },
    );
    const [projected] = writesOnTargetColumns([write], schema, removed);
    expect(projected?.operation.row).toEqual({ id: 1, name: 'lamp', Renamed: 7 });
    expect(projected?.operation.before).toEqual({ id: 1, name: 'old', Renamed: 6 });
    // A row that has the new name already (any case) keeps its own value there.
    const [both] = writesOnTargetColumns([queued({ id: 1, old: 1, renamed: 2 }, null)], schema, removed);
    expect(both?.operation.row).toEqual({ id: 1, old: 1, renamed: 2 });
  });

  it('a column renamed away and added again under its old name: a row of the old schema moves, one of the new schema stays', () => {
    const withStatus = {
      name: 'items',
      columns: [{ name: 'id' }, { name: 'status' }, { name: 'status_old' }],
      primaryKey: ['id'],
    } as unknown as TableSchema;
    const removed = new Map([['status', 'status_old']]);
    const [oldSchema, newSchema] = writesOnTargetColumns(
      [
        queued({ id: 1, status: 'shipped' }, null),
        queued({ id: 2, status: 'new', status_old: 'shipped' }, null),
      ],
      withStatus,
      removed,
    );
    expect(oldSchema?.operation.row).toEqual({ id: 1, status_old: 'shipped' });
    expect(newSchema?.operation.row).toEqual({ id: 2, status: 'new', status_old: 'shipped' });
  });

  it('keeps what no statement of the target side explains (its write fails, the table pauses): an unknown column, renames that lead nowhere or go round; a column the target has in another case is the same column', () => {
    const write = queued({ id: 1, name: 'lamp', added: 'x', NAME: 'lamp' }, null);
    expect(writesOnTargetColumns([write], schema, new Map([['other', null]]))[0]).toBe(write);
    const nowhere = queued({ id: 1, lost: 3 }, null);
    expect(writesOnTargetColumns([nowhere], schema, new Map([['lost', 'missing']]))[0]).toBe(nowhere);
    const round = queued({ id: 1, first: 3 }, null);
    const cycle = new Map([
      ['first', 'second'],
      ['second', 'first'],
    ]);
    expect(writesOnTargetColumns([round], schema, cycle)[0]).toBe(round);
    const [renamedThenDropped] = writesOnTargetColumns(
      [queued({ id: 1, first: 3 }, null)],
      schema,
      new Map([
        ['first', 'second'],
        ['second', null],
      ]),
    );
    expect(renamedThenDropped?.operation.row).toEqual({ id: 1 });
    const agreeing = [queued({ id: 1, name: 'lamp' }, null)];
    expect(writesOnTargetColumns(agreeing, schema, new Map([['dropped', null]]))).toBe(agreeing);
  });

  it('for any row and any drops: the target columns keep their values, dropped ones leave, others stay', () => {
    const extraName = fc.constantFrom('a', 'B', 'c', 'd');
    fc.assert(
      fc.property(
        fc.dictionary(extraName, fc.integer()),
        fc.uniqueArray(extraName.map((name) => name.toLowerCase())),
        (extra, drops) => {
          const row: Row = { id: 1, name: 'lamp', ...extra };
          const removed = new Map<string, string | null>(drops.map((name) => [name, null]));
          const [projected] = writesOnTargetColumns([queued(row, null)], schema, removed);
          const result = projected?.operation.row ?? {};
          expect(result.id).toBe(1);
          expect(result.name).toBe('lamp');
          for (const [column, value] of Object.entries(extra)) {
            if (removed.has(column.toLowerCase())) expect(column in result).toBe(false);
            else expect(result[column]).toBe(value);
          }
        },
      ),
    );
  });
});
