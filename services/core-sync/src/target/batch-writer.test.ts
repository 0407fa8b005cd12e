import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TableSchema } from '../model/index.js';
import {
  BatchWriter,
  chunksOfPowerOfTwoSizes,
  runsWithinPacket,
  type WriteOperation,
} from './batch-writer.js';

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

describe('runsWithinPacket', () => {
  const schema: TableSchema = {
    database: 'shop',
    name: 'files',
    columns: [],
    primaryKey: ['id'],
    uniqueKeys: [],
    foreignKeys: [],
  };
  const packetBytes = 64 * 1024;

  it('keeps every row once, in order, each run within the packet; a row alone too large is ROW_TOO_LARGE', () => {
    const size = fc.oneof(fc.integer({ min: 0, max: 40_000 }), fc.constant(packetBytes));
    fc.assert(
      fc.property(fc.array(size, { maxLength: 60 }), (sizes) => {
        const rows = sizes.map((bytes, index) => ({ id: index, payload: Buffer.alloc(bytes) }));
        const split = () => [...runsWithinPacket(rows, ['id', 'payload'], packetBytes, schema)];
        if (sizes.includes(packetBytes)) {
          expect(split).toThrow(expect.objectContaining({ code: 'ROW_TOO_LARGE' }));
          return;
        }
        const runs = split();
        expect(runs.flat()).toEqual(rows);
        for (const run of runs) {
          const bytes = run.reduce((total, row) => total + (row.payload as Buffer).length, 0);
          if (run.length > 1) expect(bytes).toBeLessThan(packetBytes);
        }
      }),
    );
  });

  it('names the row, its size and the limit, and shows the row cut short', () => {
    const row = { id: 7, payload: Buffer.alloc(100_000), note: 'x'.repeat(300) };
    expect(() => [...runsWithinPacket([row], ['id', 'payload', 'note'], packetBytes, schema)]).toThrow(
      expect.objectContaining({
        code: 'ROW_TOO_LARGE',
        message: expect.stringMatching(
          /^the row of files with id=7 needs a statement of 10\d{4} bytes, more than the target's max_allowed_packet \(65536 bytes\)$/,
        ) as unknown,
        details: expect.objectContaining({
          row: { id: 7, payload: '<100000 bytes>', note: `${'x'.repeat(256)}… (300 characters)` },
        }) as unknown,
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
