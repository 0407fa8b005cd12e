/**
 * Bidirectional repairs (docs/bidirectional.md, "Full syncs" and "Rows on one side only"). A row may differ only
 * because a change is still on its way through one of the streams: both streams apply what they have read, and
 * the rows are compared again; what still differs is real.
 * - A row on both sides that differs goes through the forward direction's conflict check, where the table's
 *   strategy picks the version both sides end with (manual: it waits for a person).
 * - A row on one side only is held back until the table's compare ends (or enough are held), then the binlogs of
 *   both sides are read once for all of them, and each is copied, deleted (its delete on the other side replayed)
 *   or left undecided and listed (one-sided-rows.ts).
 */
import { excludedHashColumns, sameRowContent, type ConflictTableRule } from '../conflict/index.js';
import { SyncError, describeError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import { directionName, otherSide, primaryKeyText, type Row, type SideName } from '../model/index.js';
import { selectRowsByKeys } from '../mysql/index.js';
import type { KeyHistoryReader, SideHistory } from './key-history.js';
import { decideOneSided } from './one-sided-rows.js';
import type { FullSyncDirection, RepairBasics, TableRepair } from './repair-types.js';
import { diffRows, type ChunkDifference, type CompareSide } from './table-compare.js';

/** A row on one side only that the binlogs cannot place: listed as a conflict for a person. */
export interface UndecidedRow {
  /** The side that has the row. */
  readonly side: SideName;
  readonly row: Row;
  readonly reason: string;
}

export interface TwoWayRepairOptions extends RepairBasics {
  /** local → cloud: its source is the compare's reference side. */
  readonly forward: FullSyncDirection;
  readonly backward: FullSyncDirection;
  readonly sides: Readonly<Record<SideName, CompareSide>>;
  readonly rule: ConflictTableRule;
  readonly keyHistory: KeyHistoryReader | undefined;
  readonly listUndecided: (table: string, rows: readonly UndecidedRow[]) => Promise<void>;
  readonly settleTimeoutMs: number;
  readonly logger: Logger;
}

type Histories = Readonly<Record<SideName, SideHistory>>;

/** How many rows on one side only are held back before the binlogs are read for them. */
const oneSidedBatchLimit = 100_000;

export class TwoWayRepair implements TableRepair {
  readonly #options: TwoWayRepairOptions;
  /** Rows on one side only, by the side that has them, by key text. */
  readonly #oneSided: Record<SideName, Map<string, Row>> = { local: new Map(), cloud: new Map() };
  /** Differing rows left to the streams (a stream down or behind): the table cannot be called settled. */
  #rowsLeft = 0;

  /** The columns the conflict check leaves out when it compares a row with a delete's before image. */
  readonly #excludedColumns: ReadonlySet<string>;

  constructor(options: TwoWayRepairOptions) {
    this.#options = options;
    this.#excludedColumns = excludedHashColumns(options.compared.schema, options.rule.timestampColumn);
  }

  async repair(difference: ChunkDifference): Promise<void> {
    const { forward, backward, settleTimeoutMs } = this.#options;
    // While a stream is down (the scheduler's fallback run), or behind by more than the wait, a row may differ only
    // because a change is still on its way, and acting on it would undo that change: such chunks are left to the
    // streams, and the table ends failed, so a later run (and an adoption) settles them.
    const down = [forward, backward].filter((direction) => direction.streamDown);
    const caughtUp =
      down.length === 0 &&
      (await Promise.all([forward.catchUp(settleTimeoutMs), backward.catchUp(settleTimeoutMs)])).every(
        Boolean,
      );
    if (!caughtUp) {
      this.#leave(difference, down);
      return;
    }
    // Every change committed on either side until now has reached the other side; only rows that still differ,
    // and that neither side changed meanwhile, are real differences (a row that moved is the streams').
    const current = await this.#readAgain(difference);
    const keyText = (row: Row): string => this.#keyText(row);
    this.#hold(forward.source, stableRows(difference.onlyReference, current.onlyReference, keyText));
    this.#hold(forward.target, stableRows(difference.onlyOther, current.onlyOther, keyText));
    await this.#settleDiffering(stablePairs(difference.differing, current.differing, keyText));
    if (this.#oneSided.local.size + this.#oneSided.cloud.size >= oneSidedBatchLimit) {
      await this.#settleOneSided();
    }
  }

  async finish(): Promise<void> {
    await this.#settleOneSided();
    if (this.#rowsLeft > 0) {
      throw new SyncError(
        'FULL_SYNC_FAILED',
        `${this.#rowsLeft} differing rows of ${this.#options.table} were left unsettled: a stream was down or ` +
          'behind while they were compared, so they may be changes still on their way; a later run settles them',
        { details: { table: this.#options.table, rowsLeft: this.#rowsLeft } },
      );
    }
  }

  /** A chunk's differences left to the streams (see `repair`). */
  #leave(difference: ChunkDifference, down: readonly FullSyncDirection[]): void {
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
      },
      down.length > 0
        ? 'rows that differ while a stream is down are left for the stream to bring across and a later run to settle'
        : 'rows that differ while a stream is behind are left for it to bring across and a later run to settle',
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

  /** Rows on both sides that differ: the forward direction's conflict check settles each by the strategy. */
  async #settleDiffering(differing: ChunkDifference['differing']): Promise<void> {
    if (differing.length === 0) return;
    const { forward, rule, tally, table, dryRun } = this.#options;
    for (const pair of differing) {
      const keyText = this.#keyText(pair.reference);
      // The check meets each as an insert of the forward source's row where the target holds another version.
      const resolution = rule.strategy.resolve({
        table,
        keyText,
        type: 'insert_insert',
        sourceSide: forward.source,
        sourceRow: pair.reference,
        targetSide: forward.target,
        targetRow: pair.other,
      });
      if (resolution.kind === 'manual') tally.conflicts([pair.reference]);
      else tally.changed(resolution.winner, [pair.reference]);
    }
    if (dryRun) return;
    const outcome = await forward.refresh(
      table,
      differing.map((pair) => pair.reference),
    );
    this.#options.rowsWritten(outcome.rowsWritten);
  }

  #hold(side: SideName, rows: readonly Row[]): void {
    for (const row of rows) this.#oneSided[side].set(this.#keyText(row), row);
  }

  /**
   * Reads both binlogs once for every row held back, then each row still on its side only, unchanged since it
   * was held, is copied, deleted or listed; a row that changed meanwhile is the streams' to carry.
   */
  async #settleOneSided(): Promise<void> {
    const held = (['local', 'cloud'] as const).filter((side) => this.#oneSided[side].size > 0);
    if (held.length === 0) return;
    const keyTexts = new Set([...this.#oneSided.local.keys(), ...this.#oneSided.cloud.keys()]);
    const histories = await this.#readHistories(keyTexts);
    for (const side of held) {
      const rows = this.#oneSided[side];
      this.#oneSided[side] = new Map();
      await this.#settleHeldBy(side, await this.#stillOneSided(side, rows), histories);
    }
  }

  /** The held rows that `side` still holds as held and the other side still lacks. */
  async #stillOneSided(side: SideName, rows: ReadonlyMap<string, Row>): Promise<Map<string, Row>> {
    const { sides, compared } = this.#options;
    const keyRows = [...rows.values()];
    const [holding, lacking] = await Promise.all(
      [side, otherSide(side)].map(async (readSide) => {
        const found = await selectRowsByKeys(
          sides[readSide].pool,
          sides[readSide].database,
          compared.schema,
          keyRows,
        );
        return new Map(found.map((row) => [this.#keyText(row), row]));
      }),
    );
    const still = new Map<string, Row>();
    for (const [keyText, row] of rows) {
      const now = holding?.get(keyText);
      if (now !== undefined && lacking?.get(keyText) === undefined && sameRowContent(now, row))
        still.set(keyText, row);
    }
    return still;
  }

  /** Both sides' histories of the keys; undefined when this service does not read binlogs for them. */
  async #readHistories(keyTexts: ReadonlySet<string>): Promise<Histories | undefined> {
    const { keyHistory, compared } = this.#options;
    if (keyHistory === undefined) return undefined;
    const [local, cloud] = await Promise.all([
      keyHistory.read('local', compared.schema, keyTexts),
      keyHistory.read('cloud', compared.schema, keyTexts),
    ]);
    return { local, cloud };
  }

  async #settleHeldBy(
    holdingSide: SideName,
    rows: ReadonlyMap<string, Row>,
    histories: Histories | undefined,
  ): Promise<void> {
    const { tally, table, dryRun, logger } = this.#options;
    const lackingSide = otherSide(holdingSide);
    const copies: Row[] = [];
    const deletes = new Map<string, Row>();
    const undecided: UndecidedRow[] = [];
    for (const [keyText, row] of rows) {
      const decision =
        histories === undefined
          ? ({ action: 'undecided', reason: 'the binlogs are not read for this run' } as const)
          : decideOneSided(keyText, histories[holdingSide], histories[lackingSide], {
              holding: holdingSide,
              lacking: lackingSide,
            });
      if (decision.action === 'copy') copies.push(row);
      else if (decision.action === 'undecided')
        undecided.push({ side: holdingSide, row, reason: decision.reason });
      else {
        deletes.set(keyText, decision.deletedRow);
        this.#tallyReplayedDelete(holdingSide, row, decision.deletedRow);
      }
    }
    tally.copied(lackingSide, copies);
    tally.undecided(undecided.map((entry) => entry.row));
    if (undecided.length > 0) {
      logger.warn(
        {
          side: holdingSide,
          rows: undecided.length,
          sampleKeys: undecided.slice(0, 10).map((entry) => this.#keyText(entry.row)),
          reason: undecided[0]?.reason,
          dryRun,
        },
        'rows on one side only whose binlogs cannot tell whether they were added or deleted: left as they are and listed as conflicts',
      );
    }
    if (dryRun) return;
    const [copied, deleted] = await Promise.all([
      this.#directionFrom(holdingSide).refresh(table, copies),
      this.#directionFrom(lackingSide).refresh(table, [...deletes.values()], deletes),
    ]);
    this.#options.rowsWritten(copied.rowsWritten + deleted.rowsWritten);
    try {
      await this.#options.listUndecided(table, undecided);
    } catch (error) {
      throw new SyncError(
        'FULL_SYNC_FAILED',
        `listing ${undecided.length} rows of ${table} on one side only as conflicts failed: ${describeError(error)}`,
        { cause: error },
      );
    }
  }

  /**
   * Counts a replayed delete as the conflict check will judge it: the row is deleted while it is still the row
   * the other side deleted; otherwise the strategy settles the delete against this version.
   */
  #tallyReplayedDelete(holdingSide: SideName, row: Row, deletedRow: Row): void {
    const { tally, rule, table } = this.#options;
    const keyText = this.#keyText(row);
    if (sameRowContent(row, deletedRow, this.#excludedColumns)) {
      tally.deleted(holdingSide, [row]);
      return;
    }
    const lackingSide = otherSide(holdingSide);
    const resolution = rule.strategy.resolve({
      table,
      keyText,
      type: 'delete_update',
      sourceSide: lackingSide,
      sourceRow: null,
      targetSide: holdingSide,
      targetRow: row,
    });
    if (resolution.kind === 'manual') tally.conflicts([row]);
    else if (resolution.winner === lackingSide) tally.deleted(holdingSide, [row]);
    else tally.copied(lackingSide, [row]);
  }

  #directionFrom(side: SideName): FullSyncDirection {
    const { forward, backward } = this.#options;
    return forward.source === side ? forward : backward;
  }

  #keyText(row: Row): string {
    return primaryKeyText(row, this.#options.compared.schema.primaryKey);
  }
}

/** The rows found again as they were: present on the same side only, with the same content. */
function stableRows(before: readonly Row[], now: readonly Row[], keyText: (row: Row) => string): Row[] {
  const earlier = new Map(before.map((row) => [keyText(row), row]));
  return now.filter((row) => {
    const previous = earlier.get(keyText(row));
    return previous !== undefined && sameRowContent(previous, row);
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
