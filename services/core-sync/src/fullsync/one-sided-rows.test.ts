/**
 * The decision for a row found on one side only (one-sided-rows.ts), over arbitrary binlog histories: a logged
 * delete is always replayed, a row is copied only when its creation is inside the other side's binlog and that side
 * holds no change of it, and nothing else is ever written — the rest is listed for a person.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KeyChange, SideHistory } from './key-history.js';
import { decideOneSided } from './one-sided-rows.js';

const sides = { holding: 'local', lacking: 'cloud' };
const keyText = 'n1';
const deletedRow = { id: 1, label: 'as deleted' };

const changeArbitrary: fc.Arbitrary<KeyChange> = fc.oneof(
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.integer({ min: 0, max: 100 }),
    deletedRow: fc.constant(deletedRow),
    createdAt: fc.constant(null),
  }),
  fc
    .record({ at: fc.integer({ min: 0, max: 100 }), created: fc.option(fc.integer({ min: 0, max: 100 })) })
    .map(({ at, created }) => ({
      kind: 'write' as const,
      at: Math.max(at, created ?? 0),
      deletedRow: null,
      createdAt: created,
    })),
);

const historyArbitrary: fc.Arbitrary<SideHistory> = fc.record({
  windowStart: fc.option(fc.integer({ min: 0, max: 100 })),
  lastChanges: fc
    .option(changeArbitrary)
    .map((change) => new Map(change === null ? [] : [[keyText, change]])),
  incomplete: fc.boolean(),
});

describe('decideOneSided', () => {
  it('replays a logged delete, copies only a row created inside the other binlog, lists everything else', () => {
    fc.assert(
      fc.property(historyArbitrary, historyArbitrary, (holding, lacking) => {
        const decision = decideOneSided(keyText, holding, lacking, sides);
        const lackingChange = lacking.lastChanges.get(keyText);
        const holdingChange = holding.lastChanges.get(keyText);
        if (holding.incomplete || lacking.incomplete) {
          expect(decision.action).toBe('undecided');
        } else if (lackingChange?.kind === 'delete') {
          expect(decision).toEqual({ action: 'delete', deletedRow });
        } else if (decision.action === 'copy') {
          expect(lackingChange).toBeUndefined();
          expect(holdingChange?.kind).toBe('write');
          expect(holdingChange?.createdAt).not.toBeNull();
          expect(lacking.windowStart).not.toBeNull();
          expect(lacking.windowStart ?? Infinity).toBeLessThanOrEqual(holdingChange?.createdAt ?? -Infinity);
        } else {
          expect(decision.action).toBe('undecided');
        }
        if (decision.action === 'undecided') expect(decision.reason.length).toBeGreaterThan(20);
      }),
      { numRuns: 2_000 },
    );
  });

  it('copies a row created on one side after the other side’s binlog began, which holds nothing of it', () => {
    const holding: SideHistory = {
      windowStart: 0,
      lastChanges: new Map([[keyText, { kind: 'write', at: 50, deletedRow: null, createdAt: 40 }]]),
      incomplete: false,
    };
    const lacking: SideHistory = { windowStart: 10, lastChanges: new Map(), incomplete: false };
    expect(decideOneSided(keyText, holding, lacking, sides)).toEqual({ action: 'copy' });
    // Only updated in the binlog: perhaps a row the other side deleted before its binlog began.
    const updatedOnly = new Map([
      [keyText, { kind: 'write' as const, at: 50, deletedRow: null, createdAt: null }],
    ]);
    expect(decideOneSided(keyText, { ...holding, lastChanges: updatedOnly }, lacking, sides).action).toBe(
      'undecided',
    );
  });
});
