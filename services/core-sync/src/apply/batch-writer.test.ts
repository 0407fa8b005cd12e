import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchWriter, chunksOfPowerOfTwoSizes, type WriteOperation } from './batch-writer.js';

describe('chunksOfPowerOfTwoSizes', () => {
  it('covers every item once, in order, with bounded shapes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 1000 }), (count, limit) => {
        const items = Array.from({ length: count }, (_, index) => index);
        const chunks = [...chunksOfPowerOfTwoSizes(items, limit)];
        expect(chunks.flat()).toEqual(items);
        for (const chunk of chunks) {
          expect(chunk.length).toBeGreaterThan(0);
          expect(chunk.length).toBeLessThanOrEqual(limit);
          const isPowerOfTwo = (chunk.length & (chunk.length - 1)) === 0;
          expect(chunk.length === limit || isPowerOfTwo).toBe(true);
        }
      }),
    );
  });
});

describe('BatchWriter.reduce', () => {
  const operation = (
    kind: WriteOperation['kind'],
    table: string,
    key: number,
    value = 0,
  ): WriteOperation => ({
    kind,
    table,
    keyText: String(key),
    row: { id: key, value },
    before: null,
  });

  it("keeps each row's last operation, ordered by those last operations", () => {
    const reduced = BatchWriter.reduce([
      operation('upsert', 'users', 1, 1),
      operation('upsert', 'users', 2, 1),
      operation('upsert', 'orders', 1, 1),
      operation('upsert', 'users', 1, 2),
      operation('delete', 'users', 2),
    ]);
    expect([...reduced.keys()]).toEqual(['users', 'orders']);
    expect(reduced.get('users')).toEqual([
      operation('upsert', 'users', 1, 2),
      operation('delete', 'users', 2),
    ]);
    expect(reduced.get('orders')).toEqual([operation('upsert', 'orders', 1, 1)]);
  });
});
