/**
 * The collector of a binlog's last change per key (last-changes.ts) against a model table: random inserts,
 * updates, key moves, deletes and TRUNCATEs run on the model and are handed to the collector as the binlog would
 * log them (a TRUNCATE as a statement, without row events). What the collector says of each key agrees with the
 * model: a write means the row is there and was created when it says; a delete carries the row as it was; a key
 * shown before the last TRUNCATE and not since is `replaced`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BinlogPosition,
  primaryKeyText,
  type Row,
  type RowChange,
  type TableSchema,
} from '../model/index.js';
import { LastChanges } from './last-changes.js';

const schema = { name: 'items', primaryKey: ['id'] } as unknown as TableSchema;
const keyIds = [1, 2, 3, 4];
const keyOf = (id: number): string => primaryKeyText({ id }, ['id']);

type Operation =
  | { readonly kind: 'upsert'; readonly id: number; readonly label: string }
  | { readonly kind: 'move'; readonly from: number; readonly to: number }
  | { readonly kind: 'delete'; readonly id: number }
  | { readonly kind: 'truncate' }
  | { readonly kind: 'other-table' };

const idArbitrary = fc.constantFrom(...keyIds);
const operationArbitrary: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constant('upsert' as const), id: idArbitrary, label: fc.constantFrom('a', 'b') }),
  fc.record({ kind: fc.constant('move' as const), from: idArbitrary, to: idArbitrary }),
  fc.record({ kind: fc.constant('delete' as const), id: idArbitrary }),
  fc.constant({ kind: 'truncate' as const }),
  fc.constant({ kind: 'other-table' as const }),
);

type ModelRow = Row & {
  readonly id: number;
  readonly label: string;
};

/** Runs one operation on the model; the row changes it logs (none for a TRUNCATE or a no-op). */
function apply(model: Map<number, ModelRow>, operation: Operation): RowChange[] {
  switch (operation.kind) {
    case 'upsert': {
      const before = model.get(operation.id) ?? null;
      const after = { id: operation.id, label: operation.label };
      model.set(operation.id, after);
      return [{ kind: before === null ? 'insert' : 'update', table: 'items', before, after }];
    }
    case 'move': {
      const before = model.get(operation.from);
      if (before === undefined || model.has(operation.to)) return [];
      const after = { id: operation.to, label: before.label };
      model.delete(operation.from);
      model.set(operation.to, after);
      return [{ kind: 'update', table: 'items', before, after }];
    }
    case 'delete': {
      const before = model.get(operation.id);
      if (before === undefined) return [];
      model.delete(operation.id);
      return [{ kind: 'delete', table: 'items', before, after: null }];
    }
    case 'truncate':
      model.clear();
      return [];
    case 'other-table':
      return [{ kind: 'insert', table: 'others', before: null, after: { id: 1 } }];
  }
}

describe('LastChanges', () => {
  it('agrees with a model table under inserts, updates, moves, deletes and TRUNCATEs', () => {
    fc.assert(
      fc.property(fc.array(operationArbitrary, { maxLength: 30 }), (operations) => {
        const model = new Map<number, ModelRow>();
        const collector = new LastChanges(schema, new Set(keyIds.map(keyOf)));
        /** When each key's present row was created by a logged change, since the last TRUNCATE. */
        const createdAt = new Map<number, number | null>();
        let lastTruncateAt: number | null = null;
        operations.forEach((operation, index) => {
          const at = (index + 1) * 1_000;
          if (operation.kind === 'truncate') {
            apply(model, operation);
            collector.replaced({ at, statement: 'TRUNCATE TABLE items' });
            lastTruncateAt = at;
            createdAt.clear();
            return;
          }
          const changes = apply(model, operation);
          for (const change of changes) {
            if (change.table !== 'items') continue;
            const beforeId = change.before?.id as number | undefined;
            const afterId = change.after?.id as number | undefined;
            if (beforeId !== undefined && beforeId !== afterId) createdAt.delete(beforeId);
            if (afterId !== undefined && beforeId !== afterId) createdAt.set(afterId, at);
          }
          collector.add({
            source: 'local',
            commitPosition: new BinlogPosition('binlog.000001', 4 + index),
            commitTimestamp: at,
            changes,
          });
        });
        const { lastChanges, lastReplacement, windowStart } = collector.history;
        expect(lastReplacement?.at ?? null).toBe(lastTruncateAt);
        expect(windowStart).toBe(operations.length === 0 ? null : 1_000);
        for (const id of keyIds) {
          const change = lastChanges.get(keyOf(id));
          const present = model.get(id);
          switch (change?.kind) {
            case 'write':
              expect(present, `key ${id}`).toBeDefined();
              expect(change.createdAt, `key ${id} created`).toBe(createdAt.get(id) ?? null);
              break;
            case 'delete':
              expect(present, `key ${id}`).toBeUndefined();
              expect(change.deletedRow.id).toBe(id);
              break;
            case 'replaced':
              expect(present, `key ${id}`).toBeUndefined();
              expect(change.at).toBe(lastTruncateAt);
              break;
            case undefined:
              expect(present, `key ${id}`).toBeUndefined();
              break;
          }
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
