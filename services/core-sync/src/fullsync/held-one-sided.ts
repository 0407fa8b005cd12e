/**
 * Rows found on one side only in bidirectional mode, held until the table's compare ends (or enough are held),
 * then placed from both sides' binlogs (one-sided-rows.ts decides): copied, deleted (the other side's delete
 * replayed) or left undecided and listed.
 *
 * Only each row's key and the hash of its content are held, never the row: a table of large rows cannot fill the
 * memory with them. When they are settled, the rows are read again a page at a time; a row still on its side
 * only, with the content it had when it was held, is acted on with the version read then (the same content).
 */
import { rowHash, sameRowContent } from '../conflict/index.js';
import { SyncError, describeError } from '../errors/index.js';
import { otherSide, primaryKeyText, type Row, type SideName } from '../model/index.js';
import { selectRowsByKeys } from '../mysql/index.js';
import type { SideHistory } from './key-history.js';
import { decideOneSided } from './one-sided-rows.js';
import type { FullSyncDirection, TwoWayRepairOptions, UndecidedRow } from './repair-types.js';

type Histories = Readonly<Record<SideName, SideHistory>>;

/** A row held back: its key columns, and the hash of the whole row (row-hash.ts) as it was found. */
interface HeldKey {
  readonly keyRow: Row;
  readonly contentHash: string;
}

/** How many held rows are read again (and acted on) at a time. */
const settlePageSize = 1_000;

export class HeldOneSidedRows {
  readonly #options: TwoWayRepairOptions;
  /** The columns the conflict check leaves out when it compares a row with a delete's before image. */
  readonly #excludedColumns: ReadonlySet<string>;
  /** By the side that has the rows, by key text. */
  #held: Record<SideName, Map<string, HeldKey>> = { local: new Map(), cloud: new Map() };

  constructor(options: TwoWayRepairOptions, excludedColumns: ReadonlySet<string>) {
    this.#options = options;
    this.#excludedColumns = excludedColumns;
  }

  /** How many rows are held. */
  get size(): number {
    return this.#held.local.size + this.#held.cloud.size;
  }

  hold(side: SideName, rows: readonly Row[]): void {
    const { primaryKey } = this.#options.compared.schema;
    for (const row of rows) {
      const keyRow: Row = {};
      for (const column of primaryKey) keyRow[column] = row[column] ?? null;
      this.#held[side].set(this.#keyText(row), { keyRow, contentHash: rowHash(row) });
    }
  }

  /**
   * Reads both binlogs once for every row held back, then each row still on its side only, unchanged since it
   * was held, is copied, deleted or listed; a row that changed meanwhile is the streams' to carry, except in a
   * table being adopted, whose streams leave such changes to the run: there it is placed as it is now.
   */
  async settle(): Promise<void> {
    const held = this.#held;
    const sides = (['local', 'cloud'] as const).filter((side) => held[side].size > 0);
    if (sides.length === 0) return;
    this.#held = { local: new Map(), cloud: new Map() };
    const keyTexts = new Set([...held.local.keys(), ...held.cloud.keys()]);
    const histories = await this.#readHistories(keyTexts);
    for (const side of sides) {
      const keys = [...held[side].values()];
      for (let start = 0; start < keys.length; start += settlePageSize) {
        const page = keys.slice(start, start + settlePageSize);
        await this.#settleHeldBy(side, await this.#stillOneSided(side, page), histories);
      }
    }
  }

  /** The held rows that `side` still holds as held and the other side still lacks, as read now. */
  async #stillOneSided(side: SideName, keys: readonly HeldKey[]): Promise<Map<string, Row>> {
    const { sides, compared } = this.#options;
    const keyRows = keys.map((key) => key.keyRow);
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
    // Adopted: a row that changed meanwhile is placed in its new version (the streams left its update to the run).
    const changedToo = this.#options.adopting();
    for (const key of keys) {
      const keyText = this.#keyText(key.keyRow);
      const now = holding?.get(keyText);
      const unchanged = now !== undefined && rowHash(now) === key.contentHash;
      if (now !== undefined && lacking?.get(keyText) === undefined && (unchanged || changedToo))
        still.set(keyText, now);
    }
    return still;
  }

  /** Both sides' histories of the keys; undefined when this service does not read binlogs for them. */
  async #readHistories(keyTexts: ReadonlySet<string>): Promise<Histories | undefined> {
    const { keyHistory, compared, signal } = this.#options;
    if (keyHistory === undefined) return undefined;
    const [local, cloud] = await Promise.all([
      keyHistory.read('local', compared.schema, keyTexts, signal),
      keyHistory.read('cloud', compared.schema, keyTexts, signal),
    ]);
    return { local, cloud };
  }

  async #settleHeldBy(
    holdingSide: SideName,
    rows: ReadonlyMap<string, Row>,
    histories: Histories | undefined,
  ): Promise<void> {
    const { tally, table, dryRun, logger, hasOpenConflict } = this.#options;
    const lackingSide = otherSide(holdingSide);
    const copies: Row[] = [];
    const deletes = new Map<string, Row>();
    const undecided: UndecidedRow[] = [];
    const waiting: Row[] = [];
    for (const [keyText, row] of rows) {
      const decision =
        histories === undefined
          ? ({ action: 'undecided', reason: 'the binlogs are not read for this run' } as const)
          : decideOneSided(keyText, histories[holdingSide], histories[lackingSide], {
              holding: holdingSide,
              lacking: lackingSide,
            });
      // A row waiting for a person: the check records the copy or delete against its conflict, and an undecided row
      // is not listed twice (undecided-rows.ts), so it counts as a conflict whatever the binlogs say.
      const open = hasOpenConflict(keyText);
      if (open) waiting.push(row);
      if (decision.action === 'copy') copies.push(row);
      else if (decision.action === 'undecided')
        undecided.push({ side: holdingSide, row, reason: decision.reason });
      else {
        deletes.set(keyText, decision.deletedRow);
        if (!open) this.#tallyReplayedDelete(holdingSide, row, decision.deletedRow);
      }
    }
    const waitingKeys = new Set(waiting.map((row) => this.#keyText(row)));
    const notWaiting = (row: Row): boolean => !waitingKeys.has(this.#keyText(row));
    tally.conflicts(waiting);
    tally.copied(lackingSide, copies.filter(notWaiting));
    tally.undecided(undecided.map((entry) => entry.row).filter(notWaiting));
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
