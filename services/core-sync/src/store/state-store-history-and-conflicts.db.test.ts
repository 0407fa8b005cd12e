/**
 * The state store's sync history and conflicts (paged newest first, filtered, resolved once),
 * run against both backends (SQLite and MySQL, see test/support/state-store-backends.ts).
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeWithStorage } from '../../test/support/state-store-backends.js';
import { conflict, historyEntry } from './testing/state-store-records.js';

describeWithStorage('state store', (backend) => {
  it('inserts, updates, reads and pages sync history newest first', async () => {
    await using storage = await backend.create();
    const store = await storage.open();
    const entries = [
      historyEntry('2024-01-01T00:00:00.001Z', { kind: 'initial' }),
      historyEntry('2024-01-03T00:00:00.003Z', { kind: 'scheduled', triggerSource: 'cron' }),
      historyEntry('2024-01-02T00:00:00.002Z', { kind: 'fallback', traceId: null, triggerSource: null }),
      historyEntry('2024-01-05T00:00:00.005Z'),
      historyEntry('2024-01-04T00:00:00.004Z', { tablesSynced: [] }),
    ];
    for (const entry of entries) await store.insertHistory(entry);
    const newestFirst = [...entries].sort(
      (left, right) => right.startedAt.getTime() - left.startedAt.getTime(),
    );
    expect(await store.listHistory({ limit: 2, offset: 1 })).toEqual({
      entries: newestFirst.slice(1, 3),
      total: 5,
    });
    expect(await store.listHistory({ limit: 10, offset: 10 })).toEqual({ entries: [], total: 5 });

    const [first] = entries;
    if (first === undefined) throw new Error('no entries');
    const completion = {
      completedAt: new Date('2024-01-01T00:05:00.999Z'),
      status: 'completed',
      totalRows: 9_007_199_254_740_991,
      rowsChanged: 17,
      conflictsDetected: 2,
      tablesSynced: ['orders'],
      errorMessage: null,
    };
    await store.updateHistory(first.id, completion);
    await store.updateHistory(first.id, {});
    await store.updateHistory(randomUUID(), { status: 'failed' });
    expect(await store.getHistory(first.id)).toEqual({ ...first, ...completion });
    expect(await store.getHistory(randomUUID())).toBeUndefined();
  });

  it('filters and pages conflicts newest first, and resolves each once', async () => {
    await using storage = await backend.create();
    const store = await storage.open();
    const orderConflicts = [
      conflict('orders', '2024-03-01T00:00:00.100Z'),
      conflict('orders', '2024-03-03T00:00:00.300Z'),
      conflict('orders', '2024-03-02T00:00:00.200Z', {
        resolved: true,
        resolutionStrategy: 'source_priority',
        resolvedAt: new Date('2024-03-02T00:00:01.000Z'),
        resolvedData: { id: 42, name: 'cloud' },
        resolvedBy: 'system',
        resolutionSide: 'cloud',
      }),
    ];
    const customerConflict = conflict('customers', '2024-03-04T00:00:00.400Z', { localData: null });
    for (const record of [...orderConflicts, customerConflict]) await store.insertConflict(record);

    const [oldest, newest, resolvedOne] = orderConflicts;
    if (oldest === undefined || newest === undefined || resolvedOne === undefined) throw new Error('missing');
    expect(await store.listConflicts({ limit: 10, offset: 0 })).toEqual({
      conflicts: [customerConflict, newest, resolvedOne, oldest],
      total: 4,
    });
    expect(await store.listConflicts({ tableName: 'orders', resolved: false, limit: 1, offset: 1 })).toEqual({
      conflicts: [oldest],
      total: 2,
    });
    expect(await store.listConflicts({ resolved: true, limit: 10, offset: 0 })).toEqual({
      conflicts: [resolvedOne],
      total: 1,
    });
    expect(await store.listConflicts({ tableName: 'nothing', limit: 10, offset: 0 })).toEqual({
      conflicts: [],
      total: 0,
    });

    const resolution = {
      strategy: 'manual',
      resolvedData: { id: 42, name: 'edited', amount: '1234567890123456789.01' },
      resolvedBy: 'api:admin',
      resolutionSide: 'merged',
      resolutionColumns: { given: ['id', 'name'], filledFrom: 'cloud' as const, filled: ['amount'] },
      resolvedAt: new Date('2024-03-05T10:11:12.013Z'),
    };
    const attempts = await Promise.all([
      store.markConflictResolved(newest.id, resolution),
      store.markConflictResolved(newest.id, { ...resolution, resolvedBy: 'api:other' }),
    ]);
    expect(attempts.sort()).toEqual([false, true]);
    expect(await store.markConflictResolved(resolvedOne.id, resolution)).toBe(false);
    expect(await store.markConflictResolved(randomUUID(), resolution)).toBe(false);
    const stored = await store.getConflict(newest.id);
    expect(stored).toMatchObject({
      resolved: true,
      resolutionStrategy: 'manual',
      resolvedData: resolution.resolvedData,
      resolutionSide: 'merged',
      resolutionColumns: resolution.resolutionColumns,
      resolvedAt: resolution.resolvedAt,
    });
    expect(['api:admin', 'api:other']).toContain(stored?.resolvedBy);
    await store.markConflictResolved(oldest.id, {
      ...resolution,
      resolutionSide: undefined,
      resolutionColumns: undefined,
    });
    expect(await store.getConflict(oldest.id)).toMatchObject({
      resolutionSide: null,
      resolutionColumns: null,
    });
    expect(await store.getConflict(randomUUID())).toBeUndefined();
  });

  it('saves a conflict idempotently by id and updates a side of an unresolved one', async () => {
    await using storage = await backend.create();
    const store = await storage.open();
    const first = conflict('orders', '2024-03-01T00:00:00.100Z');
    await store.saveConflict(first);
    await store.saveConflict({ ...first, conflictType: 'update_delete' });
    expect(await store.listConflicts({ limit: 10, offset: 0 })).toEqual({
      conflicts: [{ ...first, conflictType: 'update_delete' }],
      total: 1,
    });
    await store.updateConflictData(first.id, 'cloud', { id: 42, name: 'newer on cloud' });
    expect(await store.getConflict(first.id)).toMatchObject({
      localData: first.localData,
      cloudData: { id: 42, name: 'newer on cloud' },
    });
    const resolution = { strategy: 'manual', resolvedData: null, resolvedBy: 'test', resolvedAt: new Date() };
    expect(await store.markConflictResolved(first.id, resolution)).toBe(true);
    await store.saveConflict({ ...first, conflictType: 'insert_insert' });
    await store.updateConflictData(first.id, 'local', { id: 42, name: 'too late' });
    expect(await store.getConflict(first.id)).toMatchObject({
      resolved: true,
      conflictType: 'update_delete',
      localData: first.localData,
    });
  });
});
