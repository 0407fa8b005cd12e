/**
 * The decision for a row found on one side only (one-sided-rows.ts), over arbitrary binlog histories: a logged
 * delete is always replayed, a row is copied only when its creation is inside the other side's binlog, after every
 * statement that replaced the table's rows, and that side holds no change of it; nothing else is ever written — the
 * rest is listed for a person. A key whose last change is a TRUNCATE (no before image) is never copied or deleted.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KeyChange, SideHistory, TableReplacement } from './last-changes.js';
import { decideOneSided } from './one-sided-rows.js';

const sides = { holding: 'local', lacking: 'cloud' };
const keyText = 'n1';
const deletedRow = { id: 1, label: 'as deleted' };
const timeArbitrary = fc.integer({ min: 0, max: 100 });

const replacementArbitrary: fc.Arbitrary<TableReplacement> = fc.record({
  at: timeArbitrary,
  statement: fc.constantFrom('TRUNCATE TABLE items', 'DROP TABLE items', 'RENAME TABLE items TO old'),
});

const changeArbitrary: fc.Arbitrary<KeyChange> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: timeArbitrary, deletedRow: fc.constant(deletedRow) }),
  fc.record({ at: timeArbitrary, created: fc.option(timeArbitrary) }).map(({ at, created }) => ({
    kind: 'write' as const,
    at: Math.max(at, created ?? 0),
    createdAt: created,
  })),
  replacementArbitrary.map((replacement) => ({
    kind: 'replaced' as const,
    at: replacement.at,
    replacement,
  })),
);

const historyArbitrary: fc.Arbitrary<SideHistory> = fc.record({
  windowStart: fc.option(timeArbitrary),
  lastChanges: fc
    .option(changeArbitrary)
    .map((change) => new Map(change === null ? [] : [[keyText, change]])),
  incomplete: fc.boolean(),
  lastReplacement: fc.option(replacementArbitrary),
});

function history(overrides: Partial<SideHistory> & { change?: KeyChange }): SideHistory {
  const { change, ...rest } = overrides;
  return {
    windowStart: 0,
    lastChanges: new Map(change === undefined ? [] : [[keyText, change]]),
    incomplete: false,
    lastReplacement: null,
    ...rest,
  };
}

const truncate: TableReplacement = { at: 30_000, statement: 'TRUNCATE TABLE `items`' };

describe('decideOneSided', () => {
  it('replays a logged delete, copies only a row created inside the other binlog after every replacement, lists everything else', () => {
    fc.assert(
      fc.property(historyArbitrary, historyArbitrary, (holding, lacking) => {
        const decision = decideOneSided(keyText, holding, lacking, sides);
        const lackingChange = lacking.lastChanges.get(keyText);
        const holdingChange = holding.lastChanges.get(keyText);
        if (holding.incomplete || lacking.incomplete) {
          expect(decision.action).toBe('undecided');
        } else if (lackingChange?.kind === 'delete') {
          expect(decision).toEqual({ action: 'delete', deletedRow });
        } else if (lackingChange?.kind === 'replaced') {
          expect(decision.action).toBe('undecided');
          if (decision.action === 'undecided') {
            expect(decision.reason).toContain(lackingChange.replacement.statement);
          }
        } else if (decision.action === 'copy') {
          expect(lackingChange).toBeUndefined();
          if (holdingChange?.kind !== 'write' || holdingChange.createdAt === null) {
            throw new Error(`copied without a logged creation: ${JSON.stringify(holdingChange)}`);
          }
          const createdAt = holdingChange.createdAt;
          expect(lacking.windowStart).not.toBeNull();
          expect(lacking.windowStart ?? Infinity).toBeLessThanOrEqual(createdAt);
          expect(createdAt).toBeGreaterThan(lacking.lastReplacement?.at ?? -Infinity);
          expect(createdAt).toBeGreaterThanOrEqual(holding.lastReplacement?.at ?? -Infinity);
        } else {
          expect(decision.action).toBe('undecided');
        }
        if (decision.action === 'undecided') expect(decision.reason.length).toBeGreaterThan(20);
      }),
      { numRuns: 3_000 },
    );
  });

  it('copies a row created on one side after the other side’s binlog began, which holds nothing of it', () => {
    const holding = history({ change: { kind: 'write', at: 50, createdAt: 40 } });
    const lacking = history({ windowStart: 10 });
    expect(decideOneSided(keyText, holding, lacking, sides)).toEqual({ action: 'copy' });
    // Only updated in the binlog: perhaps a row the other side deleted before its binlog began.
    const updatedOnly = history({ change: { kind: 'write', at: 50, createdAt: null } });
    expect(decideOneSided(keyText, updatedOnly, lacking, sides).action).toBe('undecided');
  });

  it('neither copies nor deletes a row whose last change on the side lacking it is a TRUNCATE', () => {
    // Written on cloud (say, by the stream), then the table truncated there: no before image to replay.
    const lacking = history({ change: { kind: 'replaced', at: truncate.at, replacement: truncate } });
    const holding = history({ change: { kind: 'write', at: 20_000, createdAt: 20_000 } });
    const decision = decideOneSided(keyText, holding, lacking, sides);
    expect(decision).toEqual({
      action: 'undecided',
      reason: expect.stringContaining('`TRUNCATE TABLE `items``') as unknown,
    });
    // Recreated on local after the truncate: still the truncate's to settle (a delete would be replayed as well).
    const recreated = history({ change: { kind: 'write', at: 40_000, createdAt: 40_000 } });
    expect(decideOneSided(keyText, recreated, lacking, sides).action).toBe('undecided');
  });

  it('copies a row that the other side never showed only when it was created after that side’s TRUNCATE', () => {
    const lacking = history({ lastReplacement: truncate });
    const before = history({ change: { kind: 'write', at: 29_000, createdAt: 29_000 } });
    const sameSecond = history({ change: { kind: 'write', at: truncate.at, createdAt: truncate.at } });
    const after = history({ change: { kind: 'write', at: 31_000, createdAt: 31_000 } });
    expect(decideOneSided(keyText, before, lacking, sides)).toEqual({
      action: 'undecided',
      reason: expect.stringContaining('TRUNCATE') as unknown,
    });
    expect(decideOneSided(keyText, sameSecond, lacking, sides).action).toBe('undecided');
    expect(decideOneSided(keyText, after, lacking, sides)).toEqual({ action: 'copy' });
  });

  it('lists a row that the side holding it truncated and never wrote again', () => {
    const holding = history({
      change: { kind: 'replaced', at: truncate.at, replacement: truncate },
      lastReplacement: truncate,
    });
    expect(decideOneSided(keyText, holding, history({}), sides)).toEqual({
      action: 'undecided',
      reason: expect.stringContaining('came back without a logged change') as unknown,
    });
  });
});
