/**
 * Bidirectional repairs (docs/bidirectional.md, "Full syncs" and "Rows on one side only"). A row may differ only
 * because a change is still on its way through one of the streams: both streams apply what they have read, and
 * the rows are compared again; what still differs is real.
 * - A row on both sides that differs goes through the forward direction's conflict check, where the table's
 *   strategy picks the version both sides end with (manual: it waits for a person).
 * - A row on one side only is held back (its key and content hash) until the table's compare ends (or enough are
 *   held), then the binlogs of both sides are read once for all of them, and each is copied, deleted (its delete on
 *   the other side replayed) or left undecided and listed (held-one-sided.ts, one-sided-rows.ts).
 */
import { excludedHashColumns, sameRowContent } from '../conflict/index.js';
import { SyncError } from '../errors/index.js';
import { directionName, primaryKeyText, type Row, type SideName } from '../model/index.js';
import { selectRowsByKeys } from '../mysql/index.js';
import { HeldOneSidedRows } from './held-one-sided.js';
import type { FullSyncDirection, TableRepair, TwoWayRepairOptions } from './repair-types.js';
import { diffRows, type ChunkDifference } from './table-compare.js';

/** How many rows on one side only are held back (their keys) before the binlogs are read for them. */
const oneSidedBatchLimit = 100_000;

export class TwoWayRepair implements TableRepair {
  readonly #options: TwoWayRepairOptions;
  /** Rows on one side only (their keys), until the binlogs are read for them. */
  readonly #oneSided: HeldOneSidedRows;
  /** Differing rows left to the streams (a stream down or behind): the table cannot be called settled. */
  #rowsLeft = 0;
  /** Why chunks were left, by direction name: how many times its stream was down, or did not catch up in time. */
  readonly #leftBecause = new Map<string, { down: number; behind: number }>();

  /** The columns the conflict check leaves out of a row's comparison (row-hash.ts). */
  readonly #excludedColumns: ReadonlySet<string>;

  constructor(options: TwoWayRepairOptions) {
    this.#options = options;
    this.#excludedColumns = excludedHashColumns(options.compared.schema, options.rule.timestampColumn);
    this.#oneSided = new HeldOneSidedRows(options, this.#excludedColumns);
  }

  async repair(difference: ChunkDifference): Promise<void> {
    const { forward, backward, settleTimeoutMs } = this.#options;
    // While a stream is down (the scheduler's fallback run), or behind by more than the wait, a row may differ only
    // because a change is still on its way, and acting on it would undo that change: such chunks are left to the
    // streams, and the table ends failed, so a later run (and an adoption) settles them.
    const down = [forward, backward].filter((direction) => direction.streamDown);
    const behind =
      down.length > 0
        ? []
        : await Promise.all(
            [forward, backward].map(async (direction) =>
              (await direction.catchUp(settleTimeoutMs)) ? [] : [direction],
            ),
          ).then((lists) => lists.flat());
    if (down.length > 0 || behind.length > 0) {
      this.#leave(difference, down, behind);
      return;
    }
    // Every change committed on either side until now has reached the other side; only rows that still differ,
    // and that neither side changed meanwhile, are real differences (a row that moved is the streams').
    const current = await this.#readAgain(difference);
    const keyText = (row: Row): string => this.#keyText(row);
    // Adopted: a one-sided row that changed is held in its new version (the streams left its update to the run).
    const changedToo = this.#options.adopting();
    for (const [side, before, now] of [
      [forward.source, difference.onlyReference, current.onlyReference],
      [forward.target, difference.onlyOther, current.onlyOther],
    ] as const) {
      this.#oneSided.hold(side, rowsFoundAgain(before, now, keyText, changedToo));
    }
    await this.#settleDiffering(stablePairs(difference.differing, current.differing, keyText));
    if (this.#oneSided.size >= oneSidedBatchLimit) await this.#oneSided.settle();
  }

  async finish(): Promise<void> {
    await this.#oneSided.settle();
    if (this.#rowsLeft > 0) {
      const { table, settleTimeoutMs } = this.#options;
      const reasons = [...this.#leftBecause].flatMap(([direction, counts]) => [
        ...(counts.down > 0 ? [`the stream of ${direction} was down (${chunkCount(counts.down)})`] : []),
        ...(counts.behind > 0
          ? [
              `${direction} did not apply within ${settleTimeoutMs} ms what its source had committed before ` +
                `the wait began (${chunkCount(counts.behind)})`,
            ]
          : []),
      ]);
      throw new SyncError(
        'FULL_SYNC_FAILED',
        `${this.#rowsLeft} differing rows of ${table} were left unsettled, as they may be changes still on ` +
          `their way: ${reasons.join('; ')}; a later run settles them`,
        {
          details: {
            table,
            rowsLeft: this.#rowsLeft,
            settleTimeoutMs,
            directions: Object.fromEntries(this.#leftBecause),
          },
        },
      );
    }
  }

  /** A chunk's differences left to the streams (see `repair`): `down` streams, or directions `behind`. */
  #leave(
    difference: ChunkDifference,
    down: readonly FullSyncDirection[],
    behind: readonly FullSyncDirection[],
  ): void {
    for (const [directions, reason] of [
      [down, 'down'],
      [behind, 'behind'],
    ] as const) {
      for (const direction of directions) {
        const name = directionName(direction.source);
        const counts = this.#leftBecause.get(name) ?? { down: 0, behind: 0 };
        counts[reason] += 1;
        this.#leftBecause.set(name, counts);
      }
    }
    const rows = [
      ...difference.onlyReference,
      ...difference.onlyOther,
      ...difference.differing.map((pair) => pair.reference),
    ];
    this.#rowsLeft += rows.length;
    this.#options.logger.warn(
      {
        rows: rows.length,
        sampleKeys: rows.slice(0, 10).map((row) => this.#keyText(row)),
        streamsDown: down.map((direction) => directionName(direction.source)),
        directionsBehind: behind.map((direction) => directionName(direction.source)),
        settleTimeoutMs: this.#options.settleTimeoutMs,
      },
      down.length > 0
        ? 'rows that differ while a stream is down are left for the stream to bring across and a later run to settle'
        : 'rows that differ while a direction has not applied what was committed before its catch-up began are left for it to bring across and a later run to settle',
    );
  }

  /** The rows of `difference` as both sides hold them now, compared again. */
  async #readAgain(difference: ChunkDifference): Promise<ChunkDifference> {
    const { forward, sides, compared } = this.#options;
    const keyRows = [
      ...difference.onlyReference,
      ...difference.onlyOther,
      ...difference.differing.map((pair) => pair.reference),
    ];
    const [referenceRows, otherRows] = await Promise.all(
      [forward.source, forward.target].map((side) =>
        selectRowsByKeys(sides[side].pool, sides[side].database, compared.schema, keyRows),
      ),
    );
    return diffRows(
      compared.schema,
      compared.columns,
      difference.range,
      referenceRows ?? [],
      otherRows ?? [],
      compared.jsonColumns,
    );
  }

  /**
   * Rows on both sides that differ: the conflict check settles each by the strategy. It meets each as an insert of
   * one side's row where the other side holds another version, through the forward direction — except a row whose
   * versions differ only in the columns the check leaves out (the timestamp column, columns the server stamps ON
   * UPDATE): that is no conflict, and the check writes it only when the incoming version wins (conflict-checker.ts
   * `#incomingStampsWin`), so it goes through the direction whose source wins. With the manual strategy such a row
   * is left as it is (each side keeps its own stamps, as the streams leave it), and not counted.
   */
  async #settleDiffering(differing: ChunkDifference['differing']): Promise<void> {
    if (differing.length === 0) return;
    const { forward, backward, rule, tally, table, dryRun, hasOpenConflict, logger } = this.#options;
    const through: Record<SideName, Row[]> = { local: [], cloud: [] };
    const stampsLeft: Row[] = [];
    for (const pair of differing) {
      const keyText = this.#keyText(pair.reference);
      // The check records the refresh against the row's open conflict, deciding nothing (conflict-checker.ts).
      if (hasOpenConflict(keyText)) {
        tally.conflicts([pair.reference]);
        through[forward.source].push(pair.reference);
        continue;
      }
      const resolution = rule.strategy.resolve({
        table,
        keyText,
        type: 'insert_insert',
        sourceSide: forward.source,
        sourceRow: pair.reference,
        targetSide: forward.target,
        targetRow: pair.other,
      });
      const stampsOnly = sameRowContent(pair.reference, pair.other, this.#excludedColumns);
      if (resolution.kind === 'manual') {
        if (stampsOnly) {
          stampsLeft.push(pair.reference);
          continue;
        }
        tally.conflicts([pair.reference]);
        through[forward.source].push(pair.reference);
        continue;
      }
      tally.changed(resolution.winner, [pair.reference]);
      through[stampsOnly ? resolution.winner : forward.source].push(pair.reference);
    }
    if (stampsLeft.length > 0) {
      logger.info(
        {
          rows: stampsLeft.length,
          sampleKeys: stampsLeft.slice(0, 10).map((row) => this.#keyText(row)),
          dryRun,
        },
        'rows that differ only in their timestamp columns are left as they are: the manual strategy picks no side and they are no conflict',
      );
    }
    if (dryRun) return;
    const outcomes = await Promise.all(
      [forward, backward]
        .filter((direction) => through[direction.source].length > 0)
        .map((direction) => direction.refresh(table, through[direction.source])),
    );
    for (const outcome of outcomes) this.#options.rowsWritten(outcome.rowsWritten);
  }

  #keyText(row: Row): string {
    return primaryKeyText(row, this.#options.compared.schema.primaryKey);
  }
}

function chunkCount(count: number): string {
  return count === 1 ? '1 chunk' : `${count} chunks`;
}

/** The rows found again on one side only: unchanged, or (`changedToo`) changed as well. */
function rowsFoundAgain(
  before: readonly Row[],
  now: readonly Row[],
  keyText: (row: Row) => string,
  changedToo: boolean,
): Row[] {
  const earlier = new Map(before.map((row) => [keyText(row), row]));
  return now.filter((row) => {
    const previous = earlier.get(keyText(row));
    return previous !== undefined && (changedToo || sameRowContent(previous, row));
  });
}

/** The differing pairs found again as they were: both versions unchanged. */
function stablePairs(
  before: ChunkDifference['differing'],
  now: ChunkDifference['differing'],
  keyText: (row: Row) => string,
): ChunkDifference['differing'] {
  const earlier = new Map(before.map((pair) => [keyText(pair.reference), pair]));
  return now.filter((pair) => {
    const previous = earlier.get(keyText(pair.reference));
    return (
      previous !== undefined &&
      sameRowContent(previous.reference, pair.reference) &&
      sameRowContent(previous.other, pair.other)
    );
  });
}
