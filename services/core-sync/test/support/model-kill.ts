/**
 * Issue 14's apply-order model under kill -9, on any pair of servers: the service runs as a child process (the
 * real entry point) and is killed with SIGKILL three times, at varying moments, while a random sequence of the
 * model's transactions (model-transactions.ts) is written to the source and readers hold rows of the target
 * locked; it is restarted after each kill while the writes go on. After the last restart the target equals the
 * source byte for byte, no table is paused, the target's trigger logged no row image twice (a transaction applied
 * again after a restart would write its images again: every image carries a stamp unique in the test) and none
 * that the source never committed.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { modelConfigDocument } from './model-fixture.js';
import {
  SourceWriter,
  TargetLocks,
  expectSameModelRows,
  targetLockArbitrary,
  transactionArbitrary,
  writeLogFindings,
} from './model-transactions.js';
import { eventually, expectBinlogsStandStill, waitUntilHealthy, type SyncFixture } from './sync-fixture.js';

interface ModelLoad {
  /** Source transactions committed and refused so far. */
  readonly tally: { readonly committed: number; readonly refused: number };
  /** Stops writing and locking; rejects with the first failure of either. */
  stop(): Promise<void>;
}

/**
 * Writes the model's transactions to the source one after the other, and holds locks on the target from two
 * readers, until stopped. The sequence and the locks are drawn from `seed`.
 */
async function startModelLoad(fixture: SyncFixture, seed: number): Promise<ModelLoad> {
  const writer = await SourceWriter.open(fixture.source);
  const locks = new TargetLocks(fixture.target);
  const tally = { committed: 0, refused: 0 };
  let stopping = false;
  const write = async (): Promise<void> => {
    for (const transaction of drawn(transactionArbitrary, seed)) {
      if (stopping) return;
      const outcome = await writer.run(transaction);
      if (outcome.committed) tally.committed += 1;
      else tally.refused += 1;
    }
  };
  const lock = async (reader: number): Promise<void> => {
    for (const plannedLock of drawn(targetLockArbitrary, seed + reader)) {
      if (stopping) return;
      await locks.hold(plannedLock);
    }
  };
  const settled = Promise.allSettled([write(), lock(1), lock(2)]);
  return {
    tally,
    async stop() {
      stopping = true;
      const results = await settled;
      await writer[Symbol.asyncDispose]();
      await locks[Symbol.asyncDispose]();
      for (const result of results) if (result.status === 'rejected') throw result.reason;
    },
  };
}

/** Values of `arbitrary` drawn from `drawSeed`, without end. */
function* drawn<Value>(arbitrary: fc.Arbitrary<Value>, drawSeed: number): Generator<Value> {
  for (let chunk = 0; ; chunk += 1)
    yield* fc.sample(arbitrary, { seed: drawSeed + chunk * 7_919, numRuns: 500 });
}

/** The paused tables a spawned service's /health names. */
function pausedTables(health: Record<string, unknown>): unknown[] {
  const directions = health.directions as { pausedTables?: unknown[] }[] | undefined;
  return directions?.flatMap((direction) => direction.pausedTables ?? []) ?? [];
}

/** Waits until the load committed `transactions` more transactions. */
async function waitForProgress(load: ModelLoad, transactions: number): Promise<void> {
  const target = load.tally.committed + transactions;
  await eventually(() => expect(load.tally.committed).toBeGreaterThanOrEqual(target), 60_000, 20);
}

/**
 * Runs the model's transactions on `fixture` (made by createModelFixture), killing and restarting the service
 * three times, and checks the outcome (see the header). `seed` draws the transactions and the locks.
 */
export async function expectNothingLostOrDoubledUnderKills(
  fixture: SyncFixture,
  seed: number,
): Promise<void> {
  const document = modelConfigDocument(fixture);
  let service = await fixture.spawnService(document);
  await waitUntilHealthy(service);
  const load = await startModelLoad(fixture, seed);
  try {
    for (let round = 0; round < 3; round += 1) {
      if (round > 0) {
        service = await fixture.spawnService(document);
        await waitUntilHealthy(service);
      }
      // Kill while the service applies: at a varying moment after it started, then write on while it is down.
      await waitForProgress(load, 60 + round * 50 + (seed % 40));
      expect(await service.kill('SIGKILL'), 'exit code of a killed service').toBeNull();
      await waitForProgress(load, 40);
    }
  } finally {
    await load.stop();
  }
  console.log(
    `seed ${seed}: ${load.tally.committed} transactions committed, ${load.tally.refused} refused by the source`,
  );

  service = await fixture.spawnService(document);
  await waitUntilHealthy(service);
  const written = `seed ${seed}`;
  // A paused table ends the wait: it stays paused.
  let health = await service.health();
  await eventually(async () => {
    health = await service.health();
    if (pausedTables(health.body).length > 0) return;
    await expectSameModelRows(fixture.source, fixture.target, written);
  }, 120_000);
  expect(health.body, written).toMatchObject({ directions: [{ pausedTables: [] }] });
  // Equal rows can be a moment when the backlog's changes cancel out: wait for the service to be done, then
  // nothing more is written.
  await eventually(() => expectBinlogsStandStill(fixture), 90_000, 0);
  await expectSameModelRows(fixture.source, fixture.target, written);
  expect((await service.health()).body, written).toMatchObject({ status: 'ok' });
  const findings = await writeLogFindings(fixture.source, fixture.target);
  expect(findings.applied, 'row images the service wrote').toBeGreaterThan(0);
  expect({ appliedTwice: findings.appliedTwice, neverCommitted: findings.neverCommitted }, written).toEqual({
    appliedTwice: [],
    neverCommitted: [],
  });
  expect(await service.kill('SIGTERM'), 'exit code after SIGTERM').toBe(0);
}
