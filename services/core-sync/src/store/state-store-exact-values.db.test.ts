/**
 * What the state store gives back is exactly what it was given: JSON values and times to the millisecond,
 * run against both backends (SQLite and MySQL, see test/support/state-store-backends.ts).
 */
import { expect, it } from 'vitest';
import { describeWithStorage } from '../../test/support/state-store-backends.js';
import { checkpoint, conflict, historyEntry, tableState } from './testing/state-store-records.js';

describeWithStorage('state store', (backend) => {
  it('keeps JSON values exactly: big-number strings, unicode, nesting and key order', async () => {
    await using storage = await backend.create();
    const store = await storage.open();
    const awkwardValues: unknown[] = [
      {
        unsignedBigint: '18446744073709551615',
        signedBigint: '-9223372036854775808',
        decimal: '12345678901234567890.123456789012345678',
        float: 0.1,
        large: 1e300,
      },
      { zebra: 1, apple: 2, middle: { yak: [3, { deep: ['x', null, true, false, 1.5, []] }] }, empty: {} },
      { text: 'naïve café — 日本語 — 😀🏳️‍🌈 — \u0000 \u2028 — "quoted" \\ back\\slash\n\ttab', emptyText: '' },
      ['list', 1, null, { nested: ['deeper'] }],
      'a bare string',
      42,
      false,
    ];
    const records = awkwardValues.map((value, index) =>
      conflict('json_table', `2024-06-01T00:00:00.${String(index).padStart(3, '0')}Z`, {
        localData: value,
        cloudData: { wrapped: value },
        resolvedData: [value],
      }),
    );
    for (const record of records) await store.insertConflict(record);
    for (const record of records) {
      const stored = await store.getConflict(record.id);
      expect(stored).toEqual(record);
      expect(JSON.stringify(stored?.localData)).toBe(JSON.stringify(record.localData));
      expect(JSON.stringify(stored?.cloudData)).toBe(JSON.stringify(record.cloudData));
    }

    const withBigint = conflict('json_table', '2024-06-02T00:00:00.000Z', {
      localData: { count: 2n ** 64n },
    });
    await store.insertConflict(withBigint);
    expect((await store.getConflict(withBigint.id))?.localData).toEqual({ count: '18446744073709551616' });

    const details = { nested: { unicode: '😀', bigint: '9223372036854775807', order: { b: 1, a: 2 } } };
    await store.upsertTableState(tableState('json_table', 'local_to_cloud', { details }));
    const [state] = await store.listTableStates();
    expect(JSON.stringify(state?.details)).toBe(JSON.stringify(details));
  });

  it('keeps times to the millisecond', async () => {
    await using storage = await backend.create();
    const store = await storage.open();
    const instants = [
      '1970-01-01T00:00:00.001Z',
      '1999-12-31T23:59:59.999Z',
      '2024-02-29T23:59:59.987Z',
      '2038-01-19T03:14:08.500Z',
      '2100-06-15T12:00:00.000Z',
    ].map((text) => new Date(text));
    for (const [index, instant] of instants.entries()) {
      const entry = historyEntry(instant.toISOString(), { id: `history-${index}`, completedAt: instant });
      await store.insertHistory(entry);
      expect(await store.getHistory(entry.id)).toEqual(entry);
      await store.saveCheckpoints([{ ...checkpoint('local', `slot-${index}`, index), updatedAt: instant }]);
    }
    const stored = await store.loadCheckpoints('local');
    expect(stored.map((record) => record.updatedAt.toISOString())).toEqual(
      instants.map((instant) => instant.toISOString()),
    );
  });
});
