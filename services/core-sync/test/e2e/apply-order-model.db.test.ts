/**
 * Issue 14's model test: no row can be lost by apply order. fast-check writes random source transactions over a
 * small key space (test/support/model-transactions.ts: rows meet through the primary key, a case-, accent- and
 * pad-insensitive UNIQUE email and a UNIQUE code) while readers on the target hold random rows and gaps locked;
 * the real service applies them one way with batches of 3 rows and 4 workers, so groups run side by side and
 * meet. After each run the target holds exactly the source's rows, byte for byte, and no table paused; the runs
 * go on from where the previous one left the tables. At the end, no row image was written twice on the target
 * and every one it wrote was committed on the source.
 *
 * FAST_CHECK_RUNS sets the number of runs (e.g. 2000 for a soak), FAST_CHECK_SEED replays a failure's seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinlogPosition, type Row } from '../../src/model/index.js';
import { createModelFixture, modelConfigDocument } from '../support/model-fixture.js';
import {
  SourceWriter,
  TargetLocks,
  expectSameModelRows,
  modelRows,
  targetLockArbitrary,
  transactionArbitrary,
  writeLogFindings,
  type TransactionOutcome,
} from '../support/model-transactions.js';
import {
  binlogEnd,
  eventually,
  startDisposableService,
  type RunningService,
  type SyncFixture,
} from '../support/sync-fixture.js';

const numRuns = Number(process.env.FAST_CHECK_RUNS ?? 250);
const seed = process.env.FAST_CHECK_SEED === undefined ? {} : { seed: Number(process.env.FAST_CHECK_SEED) };

const runArbitrary = fc.record({
  transactions: fc.array(transactionArbitrary, { minLength: 1, maxLength: 5 }),
  locks: fc.array(targetLockArbitrary, { maxLength: 3 }),
});

/**
 * Waits until the service read the source's binlog past everything written so far and applied all of it; then
 * the target must hold the source's rows (checked at once: no later apply may change them). A paused table ends
 * the wait (it stays paused).
 */
async function caughtUp(fixture: SyncFixture, running: RunningService, written: string): Promise<void> {
  const end = await binlogEnd(fixture.source);
  let pausedTables: unknown[] = [];
  await eventually(
    () => {
      const [direction] = running.service.status.directions;
      pausedTables = direction?.tables.filter((table) => table.state === 'paused') ?? [];
      if (pausedTables.length > 0) return;
      const position = direction?.stream?.position ?? null;
      expect(
        {
          state: direction?.state,
          queueDepth: direction?.queueDepth,
          readPastEnd: position !== null && BinlogPosition.parse(position).compare(end) >= 0,
        },
        written,
      ).toEqual({ state: 'streaming', queueDepth: 0, readPastEnd: true });
    },
    60_000,
    10,
  );
  expect(pausedTables, written).toEqual([]);
  await expectSameModelRows(fixture.source, fixture.target, written);
}

/** What a run started from and wrote, for the failure message (fast-check prints the seed and the run's value). */
function describeRun(
  run: number,
  rowsBefore: readonly Row[],
  outcomes: readonly TransactionOutcome[],
): string {
  const rows = rowsBefore.map((row) => `  ${JSON.stringify(row)}`);
  const transactions = outcomes.map(
    (outcome) =>
      `  ${outcome.committed ? 'committed' : `rolled back (${outcome.refusal ?? ''})`}: ${outcome.statements.join('; ')}`,
  );
  return `run ${run} started from the rows (email in hex)\n${rows.join('\n')}\nand wrote\n${transactions.join('\n')}`;
}

describe('apply order model', () => {
  it('random transactions whose rows meet, under random target locks: the target equals the source byte for byte after every run', async () => {
    await using fixture = await createModelFixture('model');
    await using running = await startDisposableService(fixture, modelConfigDocument(fixture));
    await using writer = await SourceWriter.open(fixture.source);
    await using locks = new TargetLocks(fixture.target);
    const tally = { runs: 0, committed: 0, rolledBack: 0 };
    const startedAt = Date.now();

    await fc.assert(
      fc.asyncProperty(runArbitrary, async (run) => {
        tally.runs += 1;
        const rowsBefore = await modelRows(fixture.source);
        const held = locks.holdAll(run.locks);
        const outcomes: TransactionOutcome[] = [];
        try {
          for (const transaction of run.transactions) outcomes.push(await writer.run(transaction));
        } finally {
          await held;
        }
        for (const outcome of outcomes) {
          if (outcome.committed) tally.committed += 1;
          else tally.rolledBack += 1;
        }
        await caughtUp(fixture, running, describeRun(tally.runs, rowsBefore, outcomes));
      }),
      { numRuns, endOnFailure: true, ...seed },
    );

    console.log(
      `${tally.runs} runs in ${Math.round((Date.now() - startedAt) / 1_000)} s: ${tally.committed} transactions committed, ${tally.rolledBack} refused by the source; ${locks.held} target locks held, ${locks.refused} timed out or deadlocked`,
    );
    // The runs did what they are for: most transactions committed, some were refused, the locks were taken.
    expect(tally.runs).toBe(numRuns);
    expect(tally.committed).toBeGreaterThan(numRuns);
    expect(tally.rolledBack).toBeGreaterThan(0);
    expect(locks.held).toBeGreaterThan(numRuns / 2);
    const findings = await writeLogFindings(fixture.source, fixture.target);
    expect(findings.applied).toBeGreaterThan(0);
    expect({ appliedTwice: findings.appliedTwice, neverCommitted: findings.neverCommitted }).toEqual({
      appliedTwice: [],
      neverCommitted: [],
    });
  }, 600_000);
});
