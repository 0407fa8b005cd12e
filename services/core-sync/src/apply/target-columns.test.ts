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
    // A row that has the new name already keeps its own value there.
    const [both] = writesOnTargetColumns([queued({ id: 1, old: 1, Renamed: 2 }, null)], schema, removed);
    expect(both?.operation.row).toEqual({ id: 1, Renamed: 2 });
  });

  it('keeps a column the target lacks that no statement of the target side removed (its write fails, the table pauses), and leaves agreeing writes alone', () => {
    const write = queued({ id: 1, name: 'lamp', added: 'x' }, null);
    expect(writesOnTargetColumns([write], schema, new Map([['other', null]]))[0]).toBe(write);
    const agreeing = [queued({ id: 1, name: 'lamp' }, null)];
    expect(writesOnTargetColumns(agreeing, schema, new Map([['dropped', null]]))).toBe(agreeing);
  });

  it('for any row and any removals: the target columns keep their values, removed ones leave or move, others stay', () => {
    const extraName = fc.constantFrom('a', 'B', 'c', 'd');
    fc.assert(
      fc.property(
        fc.dictionary(extraName, fc.integer()),
        fc.dictionary(
          extraName.map((name) => name.toLowerCase()),
          fc.option(fc.constantFrom('name', 'renamed', 'elsewhere'), { nil: null }),
        ),
        (extra, removals) => {
          const row: Row = { id: 1, name: 'lamp', ...extra };
          const removed = new Map(Object.entries(removals));
          const [projected] = writesOnTargetColumns([queued(row, null)], schema, removed);
          const result = projected?.operation.row ?? {};
          expect(result.id).toBe(1);
          expect(result.name).toBe('lamp');
          for (const [column, value] of Object.entries(extra)) {
            const destination = removed.get(column.toLowerCase());
            if (!removed.has(column.toLowerCase())) expect(result[column]).toBe(value);
            else expect(column in result).toBe(false);
            if (destination === 'renamed' && !('Renamed' in row)) {
              expect(Object.values(extra)).toContain(result.Renamed);
            }
          }
        },
      ),
    );
  });
});
