import { describe, expect, it } from 'vitest';
import { primaryKeyText } from '../model/index.js';
import { partitionFor } from './partitioner.js';

describe('partitionFor', () => {
  // Checkpoint slots are named by partition: a release that moved a key to another partition would make a
  // restart skip or repeat that key's changes. These indexes were computed by the first release's function.
  it.each([
    ['orders', 'n1', 8, 7],
    ['orders', 'n2', 8, 2],
    ['orders', 'n12345', 8, 7],
    ['customers', 'sélène', 8, 5],
    ['line_items', 'n7\u0001n3', 16, 11],
    ['t', '', 3, 1],
    ['orders', 'xdeadbeef', 1000, 786],
  ])(
    'puts %s %j of %i partitions in partition %i, as every release did',
    (table, keyText, count, expected) => {
      expect(partitionFor(table, keyText, count)).toBe(expected);
    },
  );

  it('spreads keys over every partition', () => {
    const counts = new Array<number>(8).fill(0);
    for (let id = 0; id < 8_000; id += 1) {
      const partition = partitionFor('orders', `n${id}`, 8);
      counts[partition] = (counts[partition] ?? 0) + 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(700);
  });
});

describe('primaryKeyText', () => {
  it('gives one column keys the same text as a one-element composite key', () => {
    expect(primaryKeyText({ id: 5, name: 'x' }, ['id'])).toBe('n5');
    expect(primaryKeyText({ id: '5' }, ['id'])).toBe('s5');
    expect(primaryKeyText({ id: null }, ['id'])).toBe('\u0000');
    expect(primaryKeyText({ id: Buffer.from([0xde, 0xad]) }, ['id'])).toBe('xdead');
  });

  it('joins the columns of a composite key in key order', () => {
    expect(primaryKeyText({ b: 'two', a: 1 }, ['a', 'b'])).toBe('n1\u0001stwo');
  });
});
