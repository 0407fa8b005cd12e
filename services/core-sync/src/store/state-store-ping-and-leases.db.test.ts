/**
 * The state store's ping while open and once closed, and the leases replicas take turns holding, run against
 * both backends (SQLite and MySQL, see test/support/state-store-backends.ts).
 */
import { expect, it } from 'vitest';
import { describeWithStorage } from '../../test/support/state-store-backends.js';

describeWithStorage('state store', (backend) => {
  it('answers ping while open and fails with STATE_STORE_FAILED once closed', async () => {
    await using storage = await backend.create();
    const store = await storage.open();
    expect(store.dialect).toBe(backend.dialect);
    await store.ping();
    await store.close();
    await store.close();
    await expect(store.ping()).rejects.toMatchObject({ code: 'STATE_STORE_FAILED' });
  });

  it('hands a lease to one holder at a time, renews it, and passes it on with a higher epoch once it expired', async () => {
    await using storage = await backend.create();
    const store = await storage.open();
    const first = await store.acquireLease('pair', 'replica-a', 60_000);
    expect(first).toMatchObject({ name: 'pair', holder: 'replica-a', epoch: 1, held: true });
    expect(first.expiresAt.getTime()).toBeGreaterThan(Date.now() + 50_000);
    expect(await store.acquireLease('pair', 'replica-b', 60_000)).toMatchObject({
      holder: 'replica-a',
      epoch: 1,
      held: false,
    });
    expect(await store.acquireLease('pair', 'replica-a', 60_000)).toMatchObject({ epoch: 1, held: true });
    // Another lease name is independent.
    expect(await store.acquireLease('other', 'replica-b', 60_000)).toMatchObject({ epoch: 1, held: true });

    // Expired: the next caller takes it over, one epoch higher; the old holder cannot renew.
    await store.acquireLease('pair', 'replica-a', 30);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await store.acquireLease('pair', 'replica-b', 60_000)).toMatchObject({
      holder: 'replica-b',
      epoch: 2,
      held: true,
    });
    expect(await store.acquireLease('pair', 'replica-a', 60_000)).toMatchObject({
      holder: 'replica-b',
      held: false,
    });

    // Released: taken at once by a standby, again one epoch higher; a release by a non-holder does nothing.
    await store.releaseLease('pair', 'replica-a');
    expect(await store.acquireLease('pair', 'replica-c', 60_000)).toMatchObject({ held: false });
    await store.releaseLease('pair', 'replica-b');
    expect(await store.acquireLease('pair', 'replica-c', 60_000)).toMatchObject({
      holder: 'replica-c',
      epoch: 3,
      held: true,
    });
    await expect(store.acquireLease('pair', 'replica-c', 0)).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('gives a lease raced for by many replicas to exactly one', async () => {
    await using storage = await backend.create();
    const stores = await Promise.all(Array.from({ length: 4 }, () => storage.open()));
    try {
      const attempts = await Promise.all(
        Array.from({ length: 12 }, (_unused, index) => {
          const store = stores[index % stores.length];
          if (store === undefined) throw new Error('no store');
          return store.acquireLease('raced', `replica-${index}`, 60_000);
        }),
      );
      const winners = attempts.filter((attempt) => attempt.held);
      expect(winners).toHaveLength(1);
      expect(new Set(attempts.map((attempt) => attempt.holder))).toEqual(new Set([winners[0]?.holder]));
      expect(attempts.every((attempt) => attempt.epoch === 1)).toBe(true);
    } finally {
      for (const store of stores) await store.close();
    }
  });
});
