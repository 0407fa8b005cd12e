/**
 * Writes one group's changes inside its target transaction. A group is written in steps:
 * - reduced (the usual case): one step per table, in order of the tables' first change; each row is written once,
 *   at its last state (BatchWriter.reduce or the conflict check), deletes first;
 * - ordered (rows meet through a unique or foreign key, or a row's primary key changed; see
 *   transaction-queue.ts): one step per run of consecutive changes of one table and one kind, in source order, so
 *   a unique-key swap, a REPLACE or a parent and its children reach the target in the order the source made
 *   them; a row whose primary key changed is a step of its own, one UPDATE that moves it (row-move.ts).
 * Each step resolves its full-sync refreshes and, in bidirectional sync, goes through the conflict check.
 */
import { driverErrorCode } from '../errors/index.js';
import type { TableSchema } from '../model/index.js';
import type { PoolConnection } from '../mysql/index.js';
import { BatchWriter, TableWriteError, type WriteOperation, moveRow } from '../target/index.js';
import type { BatchConflictCheck, RefreshResolver } from './engine-types.js';
import type { QueuedWrite, RefreshTicket } from './queued-write.js';
import { resolveRefreshes } from './refresh-writes.js';
import { moveAt } from './row-move.js';
import { writesOnTargetColumns, type RemovedColumns } from './target-columns.js';

/** What a group's attempt does once it committed: conflict write-backs, and the rows each refresh wrote. */
export interface GroupEffects {
  readonly afterCommit: readonly (() => Promise<void>)[];
  readonly refreshWrites: ReadonlyMap<RefreshTicket, number>;
}

export interface GroupWriterOptions {
  readonly targetDatabase: string;
  readonly maxRowsPerStatement: number;
  readonly conflictCheck?: BatchConflictCheck;
  readonly refreshResolver?: RefreshResolver;
  /**
   * Bidirectional: each row is written on the columns the target has, leaving out those the target side dropped
   * or renamed itself (lower-cased names, by table; target-columns.ts).
   */
  readonly removedOnTarget?: (table: string) => RemovedColumns;
}

interface WriteStep {
  readonly table: string;
  readonly writes: readonly QueuedWrite[];
  /** The step is one row move: the delete of its old key and the upsert of its new one (row-move.ts). */
  readonly move: boolean;
}

export class GroupWriter {
  readonly #options: GroupWriterOptions;
  readonly #writer: BatchWriter;

  constructor(options: GroupWriterOptions) {
    this.#options = options;
    this.#writer = new BatchWriter(options.targetDatabase, options.maxRowsPerStatement);
  }

  get batchWriter(): BatchWriter {
    return this.#writer;
  }

  /** Writes the group's changes; returns its effects (recorded by the caller just before COMMIT). */
  async write(
    connection: PoolConnection,
    writes: readonly QueuedWrite[],
    ordered: boolean,
    tables: ReadonlyMap<string, TableSchema>,
  ): Promise<GroupEffects> {
    const afterCommit: (() => Promise<void>)[] = [];
    const refreshWrites = new Map<RefreshTicket, number>();
    const { conflictCheck, refreshResolver } = this.#options;
    for (const step of ordered ? runsInOrder(writes) : stepsByTable(writes)) {
      const schema = tables.get(step.table);
      if (schema === undefined) continue;
      const resolved = await resolveRefreshes(
        connection,
        schema,
        step.writes,
        refreshWrites,
        refreshResolver,
      );
      const { removedOnTarget } = this.#options;
      const stepWrites =
        removedOnTarget === undefined
          ? resolved
          : writesOnTargetColumns(resolved, schema, removedOnTarget(step.table));
      if (conflictCheck === undefined) {
        const operations = stepWrites.map((item) => item.operation);
        const [removal, arrival] = operations;
        if (step.move && removal !== undefined && arrival !== undefined)
          await this.writeMove(connection, schema, removal, arrival);
        else
          await this.#writer.writeTable(
            connection,
            schema,
            ordered ? operations : (BatchWriter.reduce(operations).get(step.table) ?? []),
          );
        continue;
      }
      const checked = await conflictCheck.check(connection, schema, stepWrites);
      try {
        // The check passes both halves of a move when it applies both (each judged as a delete and an insert).
        const [removal, arrival] = checked.operations;
        if (
          step.move &&
          movedAsQueued(step.writes, checked.operations) &&
          removal !== undefined &&
          arrival !== undefined
        )
          await this.writeMove(connection, schema, removal, arrival);
        else await this.#writer.writeTable(connection, schema, checked.operations);
      } catch (error) {
        throw error instanceof TableWriteError ? error : new TableWriteError(step.table, error);
      }
      await checked.beforeCommit?.();
      if (checked.afterCommit !== undefined) afterCommit.push(checked.afterCommit);
    }
    return { afterCommit, refreshWrites };
  }

  /**
   * Writes a row move as one UPDATE (row-move.ts). Where the target holds no row at the old key, or already holds
   * one at the new key (the sides had diverged), it is written as the delete and the upsert it is made of, as
   * before; an insert-only arrival (the conflict check saw no row at the new key) fails on such a row instead.
   */
  async writeMove(
    connection: PoolConnection,
    schema: TableSchema,
    removal: WriteOperation,
    arrival: WriteOperation,
  ): Promise<void> {
    try {
      if (await moveRow(connection, this.#options.targetDatabase, schema, removal.row, arrival.row)) return;
    } catch (error) {
      if (arrival.insertOnly === true || driverErrorCode(error) !== 'ER_DUP_ENTRY')
        throw new TableWriteError(schema.name, error);
    }
    await this.#writer.writeTable(connection, schema, [removal, arrival]);
  }
}

/** True when the conflict check kept both halves of a move: a delete of its old key, an upsert of its new one. */
function movedAsQueued(queued: readonly QueuedWrite[], checked: readonly WriteOperation[]): boolean {
  return (
    checked.length === 2 &&
    checked[0]?.kind === 'delete' &&
    checked[0].keyText === queued[0]?.operation.keyText &&
    checked[1]?.kind === 'upsert' &&
    checked[1].keyText === queued[1]?.operation.keyText
  );
}

/** One step per table, each with its writes in source order, tables in order of their first write. */
function stepsByTable(writes: readonly QueuedWrite[]): WriteStep[] {
  const byTable = new Map<string, QueuedWrite[]>();
  for (const item of writes) {
    const tableWrites = byTable.get(item.operation.table);
    if (tableWrites === undefined) byTable.set(item.operation.table, [item]);
    else tableWrites.push(item);
  }
  return [...byTable].map(([table, tableWrites]) => ({ table, writes: tableWrites, move: false }));
}

/** One step per run of consecutive writes of one table and one kind, in source order; one per row move. */
function runsInOrder(writes: readonly QueuedWrite[]): WriteStep[] {
  const steps: WriteStep[] = [];
  let current: { table: string; kind: string; writes: QueuedWrite[]; move: false } | undefined;
  for (let index = 0; index < writes.length; index += 1) {
    const move = moveAt(writes, index);
    if (move !== undefined) {
      steps.push({ table: move.removal.operation.table, writes: [move.removal, move.arrival], move: true });
      current = undefined;
      index += 1;
      continue;
    }
    const item = writes[index] as QueuedWrite;
    const { table, kind } = item.operation;
    if (current === undefined || current.table !== table || current.kind !== kind) {
      current = { table, kind, writes: [], move: false };
      steps.push(current);
    }
    current.writes.push(item);
  }
  return steps;
}
