import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinlogPosition } from './binlog-position.js';

const positionArbitrary = fc
  .record({
    sequence: fc.integer({ min: 1, max: 999_999 }),
    offset: fc.integer({ min: 0, max: 2 ** 40 }),
    gtid: fc.option(fc.stringMatching(/^\d{1,3}-\d{1,5}-\d{1,9}(,\d{1,3}-\d{1,5}-\d{1,9})*$/), { nil: null }),
  })
  .map(
    ({ sequence, offset, gtid }) =>
      new BinlogPosition(`binlog.${String(sequence).padStart(6, '0')}`, offset, gtid),
  );

describe('BinlogPosition', () => {
  it('round-trips through its text form', () => {
    fc.assert(
      fc.property(positionArbitrary, (position) => {
        expect(BinlogPosition.parse(position.toString())).toEqual(position);
      }),
    );
  });

  it('orders by file sequence, then offset', () => {
    fc.assert(
      fc.property(positionArbitrary, positionArbitrary, (first, second) => {
        const expected =
          first.fileSequence === second.fileSequence
            ? Math.sign(first.offset - second.offset)
            : Math.sign(first.fileSequence - second.fileSequence);
        expect(Math.sign(first.compare(second))).toBe(expected);
        expect(Math.sign(second.compare(first))).toBe(-expected);
      }),
    );
    expect(new BinlogPosition('binlog.000010', 4).isAfter(new BinlogPosition('binlog.000009', 900_000))).toBe(
      true,
    );
  });

  it('finds the earliest and latest of several', () => {
    const positions = ['binlog.000002:10', 'binlog.000001:99', 'binlog.000002:4'].map((text) =>
      BinlogPosition.parse(text),
    );
    expect(BinlogPosition.earliest(positions)?.toString()).toBe('binlog.000001:99');
    expect(BinlogPosition.latest(positions)?.toString()).toBe('binlog.000002:10');
  });

  it('refuses malformed text', () => {
    for (const text of [
      '',
      'binlog.000001',
      'binlog.000001:',
      ':12',
      'binlog.000001:-4',
      'binlog.000001:1e3',
    ]) {
      expect(() => BinlogPosition.parse(text), text).toThrow(RangeError);
    }
  });
});
