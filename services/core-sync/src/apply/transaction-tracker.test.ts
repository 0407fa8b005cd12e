import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinlogPosition } from '../model/index.js';
import { TransactionTracker } from './transaction-tracker.js';

const positionOf = (sequence: number): BinlogPosition =>
  new BinlogPosition('binlog.000001', 100 + sequence * 10);

describe('TransactionTracker', () => {
  it('keeps the watermark before the oldest open transaction', () => {
    const tracker = new TransactionTracker(positionOf(-1));
    tracker.dispatched(0, positionOf(0), 2);
    tracker.dispatched(1, positionOf(1), 0);
    tracker.dispatched(2, positionOf(2), 1);
    expect(tracker.watermark).toEqual(positionOf(-1));
    tracker.acknowledge(2, 1);
    expect(tracker.watermark).toEqual(positionOf(-1));
    tracker.acknowledge(0, 2);
    expect(tracker.watermark).toEqual(positionOf(2));
  });

  it('is applied through a position once every source transaction up to it is, refreshes and later ones aside', () => {
    const tracker = new TransactionTracker(positionOf(-1));
    tracker.dispatched(0, positionOf(0), 1);
    tracker.dispatched(1, positionOf(0), 3, true);
    tracker.dispatched(2, positionOf(2), 1);
    expect(tracker.appliedThrough(positionOf(1))).toBe(false);
    tracker.acknowledge(0, 1);
    // Transaction 2 (after the end) and the refresh are still open: the watermark stays before the end.
    expect(tracker.watermark).toEqual(positionOf(0));
    expect(tracker.appliedThrough(positionOf(1))).toBe(true);
    expect(tracker.appliedThrough(positionOf(2))).toBe(false);
    tracker.acknowledge(2, 1);
    expect(tracker.appliedThrough(positionOf(2))).toBe(true);
  });

  it('never passes an unacknowledged transaction, whatever the acknowledgement order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 30 }),
        fc.infiniteStream(fc.nat()),
        (changeCounts, choices) => {
          const tracker = new TransactionTracker(null);
          const outstanding: number[] = [];
          changeCounts.forEach((changeCount, sequence) => {
            tracker.dispatched(sequence, positionOf(sequence), changeCount);
            for (let change = 0; change < changeCount; change += 1) outstanding.push(sequence);
          });
          const choiceIterator = choices[Symbol.iterator]();
          while (outstanding.length > 0) {
            const pick = (choiceIterator.next().value as number) % outstanding.length;
            const [sequence] = outstanding.splice(pick, 1);
            tracker.acknowledge(sequence!, 1);
            const oldestOpen = outstanding.length === 0 ? undefined : Math.min(...outstanding);
            const expected =
              oldestOpen === undefined
                ? positionOf(changeCounts.length - 1)
                : oldestOpen === 0
                  ? null
                  : positionOf(oldestOpen - 1);
            expect(tracker.watermark).toEqual(expected);
          }
        },
      ),
    );
  });
});
