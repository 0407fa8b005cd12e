import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ColumnValue, Row, SideName } from '../model/index.js';
import { decideChange, targetRowOn } from './decision.js';
import { rowHash, sameRowContent } from './row-hash.js';
import {
  LastWriteWinsStrategy,
  SourcePriorityStrategy,
  timestampOf,
  type DetectedConflict,
} from './strategies.js';

const columnValue: fc.Arbitrary<ColumnValue> = fc.oneof(
  fc.constant(null),
  fc.constant(''),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string(),
  fc.uint8Array({ maxLength: 8 }).map((bytes) => Buffer.from(bytes)),
);

const timestampText = fc
  .date({ min: new Date('1971-01-01T00:00:00Z'), max: new Date('2037-12-31T00:00:00Z'), noInvalidDate: true })
  .chain((date) =>
    fc
      .integer({ min: 0, max: 999 })
      .map(
        (micros) => `${date.toISOString().slice(0, 23).replace('T', ' ')}${String(micros).padStart(3, '0')}`,
      ),
  );

/** Rows of a table with columns c0…cN plus an `updated_at` timestamp column. */
const row: fc.Arbitrary<Row> = fc
  .tuple(fc.array(columnValue, { minLength: 1, maxLength: 6 }), timestampText)
  .map(([values, updatedAt]) => {
    const result: Row = { updated_at: updatedAt };
    values.forEach((value, index) => (result[`c${index}`] = value));
    return result;
  });

const excluded = new Set(['updated_at']);

function shuffled(source: Row, seed: number): Row {
  const entries = Object.entries(source);
  for (let index = entries.length - 1; index > 0; index -= 1) {
    const swapWith = (seed * (index + 7)) % (index + 1);
    const current = entries[index];
    const other = entries[swapWith];
    if (current !== undefined && other !== undefined) {
      entries[index] = other;
      entries[swapWith] = current;
    }
  }
  return Object.fromEntries(entries);
}

function differentValue(value: ColumnValue): ColumnValue {
  if (value === null) return '';
  if (Buffer.isBuffer(value)) return Buffer.concat([value, Buffer.from([1])]);
  if (typeof value === 'number') return value + 1 === value ? -value - 1 : value + 1;
  return `${value}x`;
}

describe('row hash', () => {
  it('is equal for equal rows whatever the column order', () => {
    fc.assert(
      fc.property(row, fc.nat(), (original, seed) => {
        expect(rowHash(shuffled(original, seed), excluded)).toBe(rowHash({ ...original }, excluded));
      }),
    );
  });

  it('changes when any non-timestamp column changes', () => {
    fc.assert(
      fc.property(row, fc.nat(), (original, pick) => {
        const columns = Object.keys(original).filter((column) => !excluded.has(column));
        const column = columns[pick % columns.length] ?? 'c0';
        const changed = { ...original, [column]: differentValue(original[column] ?? null) };
        expect(rowHash(changed, excluded)).not.toBe(rowHash(original, excluded));
      }),
    );
  });

  it('does not change when only the timestamp column changes', () => {
    fc.assert(
      fc.property(row, timestampText, (original, otherTime) => {
        expect(rowHash({ ...original, updated_at: otherTime }, excluded)).toBe(rowHash(original, excluded));
      }),
    );
  });

  it('compares rows exactly as their hashes do', () => {
    const similar = fc.tuple(row, fc.nat(), fc.boolean()).map(([original, pick, change]) => {
      const columns = Object.keys(original);
      const column = columns[pick % columns.length] ?? 'c0';
      return [
        original,
        change ? { ...original, [column]: differentValue(original[column] ?? null) } : { ...original },
      ];
    });
    fc.assert(
      fc.property(fc.oneof(similar, fc.tuple(row, row)), ([left, right]) => {
        expect(sameRowContent(left, right, excluded)).toBe(
          rowHash(left, excluded) === rowHash(right, excluded),
        );
        expect(sameRowContent(left, { ...right, extra: null }, excluded)).toBe(false);
      }),
    );
    expect(sameRowContent({ amount: 42 }, { amount: '42' })).toBe(true);
  });

  it('tells NULL from the empty string, and bytes from text, but not a number from its exact text', () => {
    expect(rowHash({ name: null })).not.toBe(rowHash({ name: '' }));
    expect(rowHash({ name: Buffer.from('ab') })).not.toBe(rowHash({ name: 'ab' }));
    expect(rowHash({ amount: 42 })).toBe(rowHash({ amount: '42' }));
    expect(rowHash({ first: 'a', second: 'bc' })).not.toBe(rowHash({ first: 'ab', second: 'c' }));
  });
});

/** A row, or absent. */
const maybeRow = fc.option(row, { nil: null });

describe('change decision', () => {
  it('is a conflict exactly when the target holds neither the before nor the after version', () => {
    fc.assert(
      fc.property(maybeRow, maybeRow, fc.nat(3), maybeRow, (before, after, targetChoice, other) => {
        const target = [before, after, other, null][targetChoice] ?? null;
        const decision = decideChange({ before, after }, target, excluded);
        // The target holds a version when it has its values on its columns (a change written with an older
        // schema lacks a column only the target has: decision.ts).
        const atBefore = sameRowContent(targetRowOn(target, before), before, excluded);
        const atAfter = sameRowContent(targetRowOn(target, after), after, excluded);
        expect(decision.action === 'conflict').toBe(!atBefore && !atAfter);
        if (atBefore && !(before === null && after === null)) expect(decision.action).toBe('apply');
        if (atAfter && !atBefore) expect(decision.action).toBe('skip');
      }),
    );
  });

  it('skips a change that is already on the target (applying twice changes nothing)', () => {
    fc.assert(
      fc.property(maybeRow, maybeRow, (before, after) => {
        expect(decideChange({ before, after }, after, excluded).action).not.toBe('conflict');
        // Skipped unless the target also holds the before version on its columns (then applying is a no-op).
        if (!sameRowContent(targetRowOn(after, before), before, excluded))
          expect(decideChange({ before, after }, after, excluded)).toEqual({ action: 'skip' });
      }),
    );
  });

  it('compares the target row on the columns of a change written with an older schema', () => {
    // The target added `color` (a schema change on its way); the change from the other side has no such column.
    const target = { id: 1, name: 'lamp', color: 'red' };
    expect(decideChange({ before: { id: 1, name: 'lamp' }, after: { id: 1, name: 'desk' } }, target)).toEqual(
      {
        action: 'apply',
      },
    );
    expect(decideChange({ before: { id: 1, name: 'old' }, after: { id: 1, name: 'lamp' } }, target)).toEqual({
      action: 'skip',
    });
    expect(
      decideChange({ before: { id: 1, name: 'chair' }, after: { id: 1, name: 'desk' } }, target),
    ).toEqual({
      action: 'conflict',
      type: 'update_update',
    });
    // A column the change has and the target lacks still differs.
    expect(
      decideChange({ before: { id: 1, name: 'lamp', size: 2 }, after: null }, { id: 1, name: 'lamp' }),
    ).toEqual({ action: 'conflict', type: 'delete_update' });
  });

  it('names the conflict by what each side did', () => {
    fc.assert(
      fc.property(row, row, row, (first, second, third) => {
        // Versions that differ on their common columns too (a target row is compared on a change's columns).
        const differ = (left: Row, right: Row) =>
          !sameRowContent(targetRowOn(left, right), right, excluded) &&
          !sameRowContent(targetRowOn(right, left), left, excluded);
        fc.pre(differ(first, second) && differ(first, third) && differ(second, third));
        expect(decideChange({ before: null, after: first }, second, excluded)).toEqual({
          action: 'conflict',
          type: 'insert_insert',
        });
        expect(decideChange({ before: first, after: second }, third, excluded)).toEqual({
          action: 'conflict',
          type: 'update_update',
        });
        expect(decideChange({ before: first, after: second }, null, excluded)).toEqual({
          action: 'conflict',
          type: 'update_delete',
        });
        expect(decideChange({ before: first, after: null }, second, excluded)).toEqual({
          action: 'conflict',
          type: 'delete_update',
        });
      }),
    );
  });
});

function conflictBetween(
  sourceSide: SideName,
  sourceRow: Row | null,
  targetRow: Row | null,
): DetectedConflict {
  return {
    table: 'items',
    keyText: '1',
    type: 'update_update',
    sourceSide,
    sourceRow,
    targetSide: sourceSide === 'local' ? 'cloud' : 'local',
    targetRow,
  };
}

describe('strategies', () => {
  const side = fc.constantFrom<SideName>('local', 'cloud');

  it('last_write_wins picks the same winner whichever side the change came from (both sides converge)', () => {
    fc.assert(
      fc.property(maybeRow, maybeRow, side, (localRow, cloudRow, tieBreaker) => {
        fc.pre(localRow !== null || cloudRow !== null);
        const strategy = new LastWriteWinsStrategy('updated_at', tieBreaker);
        const fromLocal = strategy.resolve(conflictBetween('local', localRow, cloudRow));
        const fromCloud = strategy.resolve(conflictBetween('cloud', cloudRow, localRow));
        expect(fromLocal).toEqual(fromCloud);
        if (localRow === null || cloudRow === null) {
          expect(fromLocal).toMatchObject({ row: localRow ?? cloudRow });
          return;
        }
        const localTime = timestampOf(localRow.updated_at ?? null);
        const cloudTime = timestampOf(cloudRow.updated_at ?? null);
        const expectedWinner =
          localTime === cloudTime ? tieBreaker : localTime > cloudTime ? 'local' : 'cloud';
        expect(fromLocal).toEqual({
          kind: 'automatic',
          winner: expectedWinner,
          row: expectedWinner === 'local' ? localRow : cloudRow,
        });
      }),
    );
  });

  it('last_write_wins compares microseconds, and lets an existing version beat a delete from either side', () => {
    const strategy = new LastWriteWinsStrategy('updated_at', 'cloud');
    const older = { id: 1, updated_at: '2024-05-01 12:00:00.000001' };
    const newer = { id: 1, updated_at: '2024-05-01 12:00:00.000002' };
    expect(strategy.resolve(conflictBetween('local', newer, older))).toMatchObject({ winner: 'local' });
    expect(strategy.resolve(conflictBetween('local', older, newer))).toMatchObject({ winner: 'cloud' });
    expect(strategy.resolve(conflictBetween('local', null, older))).toEqual({
      kind: 'automatic',
      winner: 'cloud',
      row: older,
    });
    expect(strategy.resolve(conflictBetween('cloud', older, null))).toEqual({
      kind: 'automatic',
      winner: 'cloud',
      row: older,
    });
  });

  it('source_priority always picks the configured side', () => {
    fc.assert(
      fc.property(maybeRow, maybeRow, side, side, (sourceRow, targetRow, sourceSide, prefer) => {
        const resolution = new SourcePriorityStrategy(prefer).resolve(
          conflictBetween(sourceSide, sourceRow, targetRow),
        );
        expect(resolution).toEqual({
          kind: 'automatic',
          winner: prefer,
          row: prefer === sourceSide ? sourceRow : targetRow,
        });
      }),
    );
  });
});
