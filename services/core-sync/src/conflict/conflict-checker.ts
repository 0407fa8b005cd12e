/**
 * Conflict detection and resolution for one direction of a bidirectional pair, run by the apply engine inside
 * each batch's target transaction (docs/bidirectional.md, "Conflicts"):
 * 0. before the transaction, the batch's rows are claimed (row-claims.ts): the other direction does not decide on
 *    them meanwhile; changes of the source that the service has overwritten there since are dropped
 *    (own-writes.ts);
 * 1. the batch's changes of a table are reduced to one net change per row (first before image, last after image;
 *    net-changes.ts);
 * 2. the target's current rows for those keys are read in one `SELECT … FOR UPDATE` (they cannot change until
 *    the batch commits);
 * 3. each row is applied, skipped (already there — unless only the columns the row hash leaves out differ and the
 *    strategy prefers the incoming version, see `#incomingStampsWin`), or is a conflict that the table's strategy
 *    resolves:
 *    - the incoming side wins: the row is written to the target in the batch;
 *    - the target side wins: nothing is written to the target, and once the batch committed the winning row is
 *      written back to the source in a marked transaction (write-back.ts) — only if the source still holds the
 *      version that lost (a newer change there arrives through the stream and is judged on its own);
 *    - manual: neither side is written; the conflict is stored and later changes of the row, from either side,
 *      are recorded against it until a person resolves it.
 *    While a table is being adopted, an update of a row the target lacks is not a conflict: the row may be new on
 *    the source or deleted on the target before the adoption began, which only the binlogs can tell. It is left,
 *    and the adoption run places the row (fullsync/one-sided-rows.ts).
 * Every conflict is stored (inside the batch's transaction window, with an id derived from the change, so a
 * retried batch records it once) with both rows, its type, the strategy and the winner (conflict-records.ts).
 * Every row written — to the target in the batch, or back to the source — is fenced there (own-writes.ts), so the
 * other direction drops that side's earlier changes of it.
 */
import type { BatchConflictCheck, ConflictCheckOutcome, QueuedWrite } from '../apply/index.js';
import type { WriteOperation } from '../target/index.js';
import { directionName, primaryKeyText, type Row, type SideName, type TableSchema } from '../model/index.js';
import type { Logger } from '../logging/index.js';
import { readBinlogEnd, selectRowsByKeys, type Pool, type PoolConnection } from '../mysql/index.js';
import type { ConflictRecord, StateStore } from '../store/index.js';
import { conflictId, conflictRecord, type ConflictEvent } from './conflict-records.js';
import { decideChange } from './decision.js';
import { finalOperation, reduceToNetChanges, type NetRowChange } from './net-changes.js';
import type { OpenConflicts } from './open-conflicts.js';
import type { OwnWrites } from './own-writes.js';
import { excludedHashColumns, sameRowContent } from './row-hash.js';
import type { RowClaims } from './row-claims.js';
import { keyToJson, rowToJson } from './row-json.js';
import type { ConflictStrategy } from './strategies.js';
import { ConflictWriteBack, type WriteBack } from './write-back.js';

export { conflictId, type ConflictEvent } from './conflict-records.js';

/** Conflicts of one batch logged one line each at info; more are summed up (see `#report`). */
const conflictLinesPerBatch = 10;

export interface ConflictTableRule {
  readonly strategy: ConflictStrategy;
  readonly timestampColumn: string | undefined;
}

export interface ConflictCheckerOptions {
  readonly sourceSide: SideName;
  readonly targetSide: SideName;
  readonly sourcePool: Pool;
  readonly sourceDatabase: string;
  readonly targetDatabase: string;
  readonly rules: ReadonlyMap<string, ConflictTableRule>;
  readonly openConflicts: OpenConflicts;
  /** The service's writes on both sides: fences over changes they superseded (own-writes.ts). */
  readonly ownWrites: OwnWrites;
  /** Rows being decided on by either direction (row-claims.ts). */
  readonly rowClaims: RowClaims;
  /** Whether a table is being adopted: see the file's comment. */
  readonly adopting: (table: string) => boolean;
  readonly store: StateStore;
  readonly logger: Logger;
  readonly onConflict?: (event: ConflictEvent) => void;
}

export class ConflictChecker implements BatchConflictCheck {
  readonly #options: ConflictCheckerOptions;
  readonly #logger: Logger;
  readonly #writeBack: ConflictWriteBack;

  constructor(options: ConflictCheckerOptions) {
    this.#options = options;
    this.#logger = options.logger.child({
      component: 'conflict',
      direction: directionName(options.sourceSide),
    });
    this.#writeBack = new ConflictWriteBack({
      sourceSide: options.sourceSide,
      targetSide: options.targetSide,
      sourcePool: options.sourcePool,
      sourceDatabase: options.sourceDatabase,
      ownWrites: options.ownWrites,
      logger: this.#logger,
    });
  }

  async claimRows(writes: readonly QueuedWrite[]): Promise<() => void> {
    return this.#options.rowClaims.claim(writes.map((write) => write.operation));
  }

  async check(
    connection: PoolConnection,
    schema: TableSchema,
    writes: readonly QueuedWrite[],
  ): Promise<ConflictCheckOutcome> {
    const { openConflicts, ownWrites, sourceSide, targetSide } = this.#options;
    const rule = this.#options.rules.get(schema.name);
    // Changes the service has overwritten on the source since (own-writes.ts) are not carried over.
    const unsuperseded = writes.filter(
      (write) =>
        !ownWrites.supersedes(sourceSide, schema.name, write.operation.keyText, write.commitPosition),
    );
    if (unsuperseded.length < writes.length) {
      this.#logger.debug(
        { table: schema.name, rowCount: writes.length - unsuperseded.length },
        'dropped changes the service has overwritten on the source since',
      );
    }
    const netChanges = reduceToNetChanges(unsuperseded);
    if (rule === undefined)
      return this.#fenced(connection, schema, netChanges.map(finalOperation(schema.name)));
    const excluded = excludedHashColumns(schema, rule.timestampColumn);
    const targetRows = await this.#readTargetRows(connection, schema, netChanges);
    const operations: WriteOperation[] = [];
    const records: ConflictRecord[] = [];
    const dataUpdates: { id: string; row: Row | null }[] = [];
    const writeBacks: WriteBack[] = [];
    const events: ConflictEvent[] = [];
    const opened: { keyText: string; id: string }[] = [];
    const adopting = this.#options.adopting(schema.name);
    const leftToAdoption: NetRowChange[] = [];
    for (const change of netChanges) {
      const openId = openConflicts.get(schema.name, change.keyText);
      if (openId !== undefined) {
        dataUpdates.push({ id: openId, row: change.after });
        continue;
      }
      const targetRow = targetRows.get(change.keyText) ?? null;
      const decision = decideChange(change, targetRow, excluded);
      if (adopting && decision.action === 'conflict' && decision.type === 'update_delete') {
        leftToAdoption.push(change);
        continue;
      }
      const applies =
        decision.action === 'apply' ||
        (decision.action === 'skip' && this.#incomingStampsWin(rule, schema.name, change, targetRow));
      if (applies) operations.push(finalOperation(schema.name, targetRow)(change));
      if (decision.action !== 'conflict') continue;
      const resolution = rule.strategy.resolve({
        table: schema.name,
        keyText: change.keyText,
        type: decision.type,
        sourceSide,
        sourceRow: change.after,
        targetSide,
        targetRow,
      });
      const id = conflictId(sourceSide, schema.name, change.keyText, change.last.commitPosition);
      records.push(
        conflictRecord({
          id,
          sourceSide,
          schema,
          change,
          targetRow,
          type: decision.type,
          strategy: rule.strategy.name,
          resolution,
        }),
      );
      events.push({
        id,
        table: schema.name,
        type: decision.type,
        strategy: rule.strategy.name,
        winner: resolution.kind === 'manual' ? null : resolution.winner,
        sourceSide,
      });
      if (resolution.kind === 'manual') {
        opened.push({ keyText: change.keyText, id });
      } else if (resolution.winner === sourceSide) {
        operations.push(finalOperation(schema.name, targetRow)(change));
      } else {
        writeBacks.push({ keyRow: change.keyRow, losing: change.after, winning: targetRow });
      }
    }
    if (leftToAdoption.length > 0) {
      this.#logger.info(
        {
          table: schema.name,
          rowCount: leftToAdoption.length,
          sampleKeys: leftToAdoption
            .slice(0, 10)
            .map((change) => keyToJson(change.keyRow, schema.primaryKey)),
        },
        'updates of rows the target lacks are left to the adoption run, which places them from the binlogs',
      );
    }
    const fenced = this.#fenced(connection, schema, operations);
    return {
      operations,
      beforeCommit: async () => {
        await fenced.beforeCommit();
        for (const record of records) await this.#options.store.saveConflict(record);
        // Held open only once stored: a batch rolled back before this point meets the conflict again on retry.
        for (const { keyText, id } of opened) openConflicts.open(schema.name, keyText, id);
        for (const update of dataUpdates) {
          await this.#options.store.updateConflictData(
            update.id,
            sourceSide,
            update.row === null ? null : rowToJson(update.row),
          );
        }
        this.#report(events);
      },
      ...(writeBacks.length === 0
        ? {}
        : { afterCommit: () => this.#writeBack.write(schema, excluded, writeBacks) }),
    };
  }

  /**
   * Whether a change the target already holds (same content) must still be written because the target's row
   * differs in the columns the row hash leaves out (the timestamp column, columns the server stamps ON UPDATE),
   * and the table's strategy prefers the incoming version. That is the same change made on both sides before
   * either crossed over (`k = k + 1` on both): not a conflict — nothing is recorded — but each direction meets it
   * and asks the strategy about the same two versions, so both agree: the direction whose source wins writes its
   * whole row, the other leaves its target as it is, and both sides end with one version. With the manual
   * strategy both sides keep their own stamps.
   */
  #incomingStampsWin(
    rule: ConflictTableRule,
    table: string,
    change: NetRowChange,
    targetRow: Row | null,
  ): boolean {
    if (change.after === null || targetRow === null || sameRowContent(change.after, targetRow)) return false;
    const resolution = rule.strategy.resolve({
      table,
      keyText: change.keyText,
      type: change.before === null ? 'insert_insert' : 'update_update',
      sourceSide: this.#options.sourceSide,
      sourceRow: change.after,
      targetSide: this.#options.targetSide,
      targetRow,
    });
    return resolution.kind === 'automatic' && resolution.winner === this.#options.sourceSide;
  }

  /**
   * The operations, and a `beforeCommit` that fences the rows they write on the target: read there while the
   * batch holds their locks, after they are written.
   */
  #fenced(
    connection: PoolConnection,
    schema: TableSchema,
    operations: readonly WriteOperation[],
  ): ConflictCheckOutcome & { beforeCommit: () => Promise<void> } {
    return {
      operations,
      beforeCommit: async () => {
        if (operations.length === 0) return;
        const fence = await readBinlogEnd(connection);
        this.#options.ownWrites.record(
          this.#options.targetSide,
          schema.name,
          operations.map((operation) => operation.keyText),
          fence,
        );
      },
    };
  }

  /**
   * Logs a batch's conflicts (stored with the batch): each one at info, or, past `conflictLinesPerBatch` in one
   * batch (a full sync settling thousands of rows), a summary by type and winner at info and each one at debug.
   */
  #report(events: readonly ConflictEvent[]): void {
    const summarised = events.length > conflictLinesPerBatch;
    for (const event of events) {
      const fields = {
        conflictId: event.id,
        table: event.table,
        conflictType: event.type,
        strategy: event.strategy,
        winner: event.winner,
      };
      const message = event.winner === null ? 'conflict stored for manual resolution' : 'conflict resolved';
      if (summarised) this.#logger.debug(fields, message);
      else this.#logger.info(fields, message);
      this.#options.onConflict?.(event);
    }
    if (!summarised) return;
    const counts: Record<string, number> = {};
    for (const event of events) {
      const label = `${event.table} ${event.type} → ${event.winner ?? 'manual'}`;
      counts[label] = (counts[label] ?? 0) + 1;
    }
    this.#logger.info(
      {
        conflictCount: events.length,
        counts,
        sampleConflictIds: events.slice(0, 5).map((event) => event.id),
      },
      'conflicts stored in one batch (each is in the conflict list, and in the debug log)',
    );
  }

  async #readTargetRows(
    connection: PoolConnection,
    schema: TableSchema,
    changes: readonly NetRowChange[],
  ): Promise<Map<string, Row>> {
    const rows = new Map<string, Row>();
    const selected = await selectRowsByKeys(
      connection,
      this.#options.targetDatabase,
      schema,
      changes.map((change) => change.keyRow),
      { forUpdate: true },
    );
    for (const row of selected) rows.set(primaryKeyText(row, schema.primaryKey), row);
    return rows;
  }
}
