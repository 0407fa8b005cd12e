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

  it('projects both images of a queued write, and leaves the writes alone when the schemas agree', () => {
    const schema = {
      name: 'items',
      columns: [{ name: 'id' }, { name: 'name' }],
      primaryKey: ['id'],
    } as unknown as TableSchema;
    const write: QueuedWrite = {
      operation: {
        kind: 'upsert',
        table: 'items',
        keyText: '1',
        row: { id: 1, name: 'lamp', dropped: 'x' },
        before: { id: 1, name: 'old', dropped: 'y' },
      },
      sequence: 1,
      commitPosition: new BinlogPosition('binlog.000001', 4),
      commitTimestamp: 0,
    };
    const [projected] = writesOnTargetColumns([write], schema);
    expect(projected?.operation.row).toEqual({ id: 1, name: 'lamp' });
    expect(projected?.operation.before).toEqual({ id: 1, name: 'old' });
    const agreeing = [
      { ...write, operation: { ...write.operation, row: { id: 1, name: 'lamp' }, before: null } },
    ];
    expect(writesOnTargetColumns(agreeing, schema)).toBe(agreeing);
  });
});
